/**
 * The control channel's contract, shared by the broker (control/server.ts) and mqttctl
 * (control/client.ts): newline-delimited JSON over `<data_dir>/mqttctl.sock` (DESIGN.md §2).
 *
 * - The server's first frame: `{"hello":{"protocol":1,"broker":"0.1.0","node":"n1","pid":42}}`.
 * - Request  `{"id":1,"method":"client.list","params":{}}` →
 *   reply    `{"id":1,"result":…}` or `{"id":1,"error":{"code":"NOT_FOUND","message":"…"}}`.
 * - A stream method replies `{"id":1,"result":{"stream":true}}`, then sends `{"id":1,"event":…}`
 *   frames, `{"id":1,"dropped":n}` when a slow reader lost events, and a final `{"id":1,"end":…}`.
 *   `{"id":2,"method":"stream.cancel","params":{"id":1}}` ends it.
 * Requests are multiplexed: any number may be in flight on one connection.
 * Method names mirror command ids: `mqttctl client kick` ↔ `client.kick`. The CLI's `--json` output
 * of a command is the `result` of its method, so these types are its documentation.
 */

/** Bumped on incompatible changes; the CLI refuses a broker speaking another one (exit 76). */
export const CONTROL_PROTOCOL = 1
/** Largest frame either side accepts (bytes, newline excluded). */
export const MAX_FRAME = 1024 * 1024

export interface Hello {
  protocol: number
  broker: string
  node: string
  pid: number
}

/** Error codes of the control channel (STYLE.md §2.2). */
export const ControlErrorCode = {
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  Invalid: 'INVALID',
  UnknownMethod: 'UNKNOWN_METHOD',
  UnsupportedVersion: 'UNSUPPORTED_VERSION',
  RestartRequired: 'RESTART_REQUIRED',
  Internal: 'INTERNAL',
} as const
export type ControlErrorCodeValue = (typeof ControlErrorCode)[keyof typeof ControlErrorCode]

export interface ListenerState {
  type: 'mqtt' | 'mqtts' | 'ws' | 'wss'
  host: string
  port: number
  path?: string
  connections: number
}

/** `mqttctl status`: cheap, for probes. */
export interface NodeStatus {
  state: 'running' | 'stopping'
  pid: number
  version: string
  node: string
  uptime_s: number
  clients: number
  listeners: ListenerState[]
}

/** A counter with its rate per second over the last sampling period. */
export interface Rate {
  total: number
  per_s: number
}

/** `mqttctl state`: one structured snapshot of the node. */
export interface State {
  node: { name: string; version: string; pid: number; uptime_s: number; started_at: string; node_version: string; store: string }
  listeners: ListenerState[]
  sessions: { online: number; offline: number; total: number }
  subscriptions: { count: number; shared: number }
  topics: { subscribed_filters: number }
  retained: { count: number }
  messages: { inflight: number; queued: number; received: Rate; sent: Rate; dropped: Rate }
  bytes: { received: Rate; sent: Rate }
  connections: { open: number; accepted: number; refused: number; protocol_errors: number }
  memory: { rss_bytes: number; heap_used_bytes: number; heap_total_bytes: number; external_bytes: number }
  event_loop: { lag_ms: number; lag_p99_ms: number }
  load_average: [number, number, number]
  warnings: string[]
}

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

export interface RetainedSummary {
  topic: string
  qos: 0 | 1 | 2
  size: number
  /** First bytes of the payload as text (non-printable shown as `.`). */
  preview: string
  received_at: string
  expires_at: string | null
}

/** A page of a list, with an honest total. */
export interface ListResult<T> {
  items: T[]
  total: number
}

/** One trace line (`mqttctl trace`): defined next to the tracer that makes it. */
export type { TraceEvent } from '../tracing/events.js'
import type { TraceEvent } from '../tracing/events.js'

/** One `$SYS` snapshot (`mqttctl sys`). */
export interface SysSnapshot {
  ts: string
  values: Record<string, number | string>
}

/** Every method: its params, and its result (or, for streams, the event type). */
export interface Methods {
  'node.status': { params: Record<string, never>; result: NodeStatus }
  'node.stop': { params: Record<string, never>; result: { stopping: true; pid: number } }
  state: { params: Record<string, never>; result: State }
  'client.list': { params: { state?: 'online' | 'offline' | 'all' }; result: ListResult<ClientSummary> }
  'client.show': { params: { client_id: string }; result: ClientDetail }
  'client.kick': { params: { client_id: string; discard_session?: boolean }; result: { client_id: string; kicked: boolean; session_discarded: boolean } }
  'subscription.list': { params: { client_id?: string; match?: string }; result: ListResult<SubscriptionSummary> }
  'retained.list': { params: { topic?: string }; result: ListResult<RetainedSummary> }
  'retained.clear': { params: { filter: string; dry_run?: boolean }; result: { filter: string; matched: number; cleared: number } }
  'config.show': { params: Record<string, never>; result: { config: Record<string, unknown>; live_keys: string[] } }
  'config.set': { params: { key: string; value: string }; result: { key: string; previous: unknown; value: unknown } }
}

export interface Streams {
  'sys.watch': { params: { interval_ms?: number }; event: SysSnapshot }
  'trace.start': { params: { clients?: string[]; topics?: string[]; payload?: 'none' | 'preview' | 'full' }; event: TraceEvent }
}

export type MethodName = keyof Methods
export type StreamName = keyof Streams

/** Frames the server sends. */
export type ServerFrame =
  | { hello: Hello }
  | { id: number; result: unknown }
  | { id: number; error: { code: ControlErrorCodeValue; message: string } }
  | { id: number; event: unknown }
  | { id: number; dropped: number }
  | { id: number; end: { reason: 'cancelled' | 'shutdown' | 'slow_consumer'; dropped: number } }

/** A request frame. */
export interface RequestFrame {
  id: number
  method: string
  params?: Record<string, unknown>
}
