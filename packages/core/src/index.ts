export * from './errors.js';
export { registerFailureClassifier, toFailure, type FailureClassifier } from './failure.js';
export { statusEvent, type StatusDetails, type StatusSubject } from './status-event.js';
export { ENGAGEMENT_STATUSES, isEngagementStatus, isOutcomeStatus, type EngagementStatus } from './engagement.js';
export { Stages, type Stage } from './stages.js';
export { isUserTokenShaped } from './credential-shape.js';
export { MessageHeaders, MessageTags } from './message-markers.js';
