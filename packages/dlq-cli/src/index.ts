export { buildProgram, type ProgramIo } from './program.js';
export { connect, type Connection } from './connection.js';
export type { CommandIo, Writer, TerminalWriter } from './cli-io.js';
export { listCommand, type ListOptions } from './commands/list.js';
export { inspectCommand, type InspectOptions, type InspectResult } from './commands/inspect.js';
export { replayCommand, type ReplayCommandOptions } from './commands/replay.js';
export {
  DLQ_SUFFIX,
  isDlqTopic,
  sourceTopicOfDlq,
  toDlqEntry,
  failureInfo,
  keyText,
  type DlqEntry,
  type FailureInfo,
} from './dlq-entry.js';
export {
  listDlqTopics,
  readEntries,
  captureRanges,
  committedOffsets,
  type ReadOptions,
} from './dlq-reader.js';
export { DlqStatsCollector, formatStatsTable, type DlqTopicStats } from './dlq-stats.js';
export {
  EntryDecoder,
  checkFraming,
  classifyDecodeFailure,
  type DecodeResult,
  type UnreadableReason,
} from './entry-decoder.js';
export { toEntryView, formatEntryText, toJson, hexPreview, type EntryView } from './entry-view.js';
export {
  parseFilter,
  matchesFilter,
  notificationIdOf,
  needsDecodedValue,
  type EntryFilter,
  type FilterOptions,
} from './filters.js';
export { PartitionRanges, type PartitionRange } from './partition-ranges.js';
export { renderProgressLine, terminalProgress, silentProgress, type Progress } from './progress.js';
export { RateLimiter } from './rate-limiter.js';
export { replayHeaders, isFailureHeader, FAILURE_HEADERS } from './replay-headers.js';
export { ReplayPlanner, type EntryPlan, type RefusalReason } from './replay-plan.js';
export {
  ReplayTally,
  formatReplaySummary,
  type ReplaySummary,
  type ReplayOutcome,
  type RefusedEntry,
  type ReplayedEntry,
} from './replay-summary.js';
export {
  Replayer,
  replayGroupId,
  assertReplayName,
  type ReplayOptions,
  type ReplayerDeps,
} from './replayer.js';
export {
  TopicSchemaResolver,
  registrySubjectLookup,
  knownSchemas,
  parseSchemaName,
  type SubjectLookup,
} from './topic-schemas.js';
