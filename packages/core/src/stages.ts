/** The `stage` each service names itself by on the status events it reports. */
export const Stages = {
  ingest: 'ingest',
  /** ingest's expansion of broadcast topics into their subscribers' notifications. */
  broadcastExpander: 'broadcast-expander',
  enrichment: 'enrichment',
  preferenceFilter: 'preference-filter',
  channelRouter: 'channel-router',
  sender: 'sender',
  statusTracker: 'status-tracker',
} as const;
export type Stage = (typeof Stages)[keyof typeof Stages];
