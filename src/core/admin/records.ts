/**
 * The plain records the admin API returns: what operators see of clients, subscriptions, retained
 * messages and a reset. The control channel sends them as they are (snake_case keys are the wire
 * format of `mqttctl … --json`), and the HTTP API and the cluster are to use the same records.
 */

export type ClientStateFilter = 'online' | 'offline' | 'all'

export interface ClientSummary {
  client_id: string
  user: string | null
  peer: string | null
  listener: string | null
  protocol: '3.1' | '3.1.1' | '5.0'
  state: 'online' | 'offline'
  connected_at: string | null
  disconnected_at: string | null
  keepalive: number | null
  clean: boolean
  session_expiry: number
  subscriptions: number
  inflight: number
  queued: number
  queued_bytes: number
  /** Deliveries to this session dropped because its queue was full. */
  queue_dropped: number
  /** QoS 0 messages to this session dropped because `max_outgoing_bytes` were waiting for it. */
  output_dropped: number
  messages_in: number
  messages_out: number
}

export interface SubscriptionSummary {
  client_id: string
  filter: string
  qos: 0 | 1 | 2
  no_local: boolean
  retain_as_published: boolean
  retain_handling: 0 | 1 | 2
  share_group: string | null
  subscription_id: number | null
}

export interface ClientDetail extends ClientSummary {
  subscriptions_list: SubscriptionSummary[]
  will: { topic: string; qos: 0 | 1 | 2; retain: boolean; delay_s: number } | null
  receive_maximum: number | null
  maximum_packet_size: number | null
  topic_alias_maximum: number | null
}

/** What a kick did: `kicked` false when the session had no connection. */
export interface KickResult {
  client_id: string
  kicked: boolean
  session_discarded: boolean
}

export interface RetainedSummary {
  topic: string
  qos: 0 | 1 | 2
  size: number
  /** First bytes of the payload as text (non-printable shown as `.`). */
  preview: string
  received_at: string
  expires_at: string | null
}

/** What clearing retained messages matched and removed (`cleared` 0 on a dry run). */
export interface RetainedClearResult {
  filter: string
  matched: number
  cleared: number
}

/** What a reset clears. */
export interface ResetSelection {
  /** Settings saved with `config set --persist`. */
  settings?: boolean
  /** Every session (persistent ones with their queues, inflight messages and delayed wills). */
  sessions?: boolean
  retained?: boolean
  accounts?: boolean
  /** Topic rules and IP rules. */
  acl?: boolean
}

/** How many of each would go (or went). */
export interface ResetPlan {
  sessions: number
  retained: number
  accounts: number
  topic_rules: number
  ip_rules: number
  wills: number
  settings: number
}

/** A reset's plan, and whether it was applied (false for a dry run). */
export interface ResetOutcome {
  plan: ResetPlan
  done: boolean
}
