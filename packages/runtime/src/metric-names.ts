/**
 * Every metric name the services export, in one place: dashboards, alert rules and their tests read
 * this list. Labels are listed beside each.
 */
export const MetricNames = {
  /** counter {service, topic, outcome=success|retried|dead_lettered} */
  RECORDS_PROCESSED: 'notify_records_processed_total',
  /** counter {service, topic, code} */
  RECORDS_FAILED: 'notify_records_failed_total',
  /** counter {service, topic, tier} */
  RECORDS_RETRIED: 'notify_records_retried_total',
  /** counter {service, topic, code} */
  RECORDS_DEAD_LETTERED: 'notify_records_dead_lettered_total',
  /** histogram {service} */
  BATCH_DURATION: 'notify_batch_duration_seconds',
  /** histogram {service, outcome=committed|aborted} */
  TRANSACTION_DURATION: 'notify_transaction_duration_seconds',
  /** histogram {service}: records consumed (input offsets) committed by one transaction or offset commit */
  TRANSACTION_RECORDS: 'notify_transaction_records',
  /** counter {service, command}: commands the service's MongoDB driver sent (command monitoring) */
  MONGODB_COMMANDS: 'notify_mongodb_commands_total',
  /** gauge {service, topic, partition} */
  CONSUMER_LAG: 'notify_consumer_lag',
  /** histogram {service, stage}: from the request-time header to this stage's output */
  E2E_LATENCY: 'notify_e2e_latency_seconds',
  /** histogram {provider, status} */
  PROVIDER_REQUEST_DURATION: 'notify_provider_request_duration_seconds',
  /** gauge {provider}: 0 closed, 1 half-open, 2 open */
  PROVIDER_CIRCUIT_STATE: 'notify_provider_circuit_state',
  /** counter {service, status, provider, channel}: provider and channel empty where the event has none */
  STATUS_EVENTS: 'notify_status_events_total',
  /** counter {from, to}: dispatches re-routed from a provider that could not deliver to its fallback */
  PROVIDER_FAILOVERS: 'notify_provider_failovers_total',
  /** counter {service, method, route, status} */
  HTTP_REQUESTS: 'notify_http_requests_total',
  /** counter {provider, outcome}: delivery callbacks from providers */
  PROVIDER_CALLBACKS: 'notify_provider_callbacks_total',
  /** gauge: open in-app WebSockets on a gateway replica */
  INAPP_SOCKETS: 'notify_inapp_sockets',
  /** counter {outcome}: in-app WebSocket connection attempts */
  INAPP_CONNECTIONS: 'notify_inapp_connections_total',
  /** counter {outcome}: messages pushed to in-app sockets */
  INAPP_MESSAGES: 'notify_inapp_messages_total',
  /** counter {reason}: in-app sockets closed */
  INAPP_SOCKETS_CLOSED: 'notify_inapp_sockets_closed_total',
  /** counter: notifications collected into a digest window */
  DIGEST_ITEMS: 'notify_digest_items_total',
  /** counter {reason=window|max_items}: digest windows closed, each one digest notification */
  DIGESTS_CLOSED: 'notify_digests_closed_total',
  /** gauge {service}: 1 when the consumer group is joined */
  GROUP_JOINED: 'notify_consumer_group_joined',
} as const;
