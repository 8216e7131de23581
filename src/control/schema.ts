/**
 * The control channel's contract, shared by the broker (control/server.ts) and mqttctl
 * (control/client.ts): newline-delimited JSON over `<data_dir>/mqttctl.sock`.
 *
 * - The server's first frame: `{"hello":{"protocol":1,"broker":"0.1.0","node":"n1","pid":42}}`.
 * - Request  `{"id":1,"method":"client.list","params":{},"client":{"uid":1000,"user":"ops","pid":77}}` →
 *   reply    `{"id":1,"result":…}` or `{"id":1,"error":{"code":"NOT_FOUND","message":"…"}}`.
 * - A stream method replies `{"id":1,"result":{"stream":true}}`, then sends `{"id":1,"event":…}`
 *   frames, `{"id":1,"dropped":n}` when a slow reader lost events, and a final `{"id":1,"end":…}`.
 *   `{"id":2,"method":"stream.cancel","params":{"id":1}}` ends it.
 * Requests are multiplexed: any number may be in flight on one connection.
 * Method names mirror command ids: `mqttctl client kick` ↔ `client.kick`. The CLI's `--json` output
 * of a command is the `result` of its method, so these types are its documentation.
 */
import type { ConfigSource } from '../config/types.js'
import type {
  ClientDetail, ClientStateFilter, ClientSummary, KickResult, ResetPlan, ResetSelection,
  RetainedClearResult, RetainedSummary, SubscriptionSummary,
} from '../core/admin/records.js'

/** The admin API's records (src/core/admin/records.ts), sent as they are. */
export type {
  ClientDetail, ClientStateFilter, ClientSummary, KickResult, ResetPlan, ResetSelection,
  RetainedClearResult, RetainedSummary, SubscriptionSummary,
}
import type { ErrorCodeOf } from '../errors/catalog.js'
import type { MethodParams, StreamParams } from './params.js'

/** Bumped on incompatible changes; the CLI refuses a broker speaking another one (exit 76). */
export const CONTROL_PROTOCOL = 1
/** Largest frame either side accepts (bytes, newline excluded). */
export const MAX_FRAME = 1024 * 1024

export interface Hello {
  protocol: number
  broker: string
  node: string
  pid: number
  /** bcrypt cost the broker wants new password hashes made with (mqttctl hashes on its side). */
  bcrypt_cost: number
}

/** Error codes of the control channel: each one is an entry of the error catalog (src/errors/catalog.ts). */
export const ControlErrorCode = {
  NotFound: 'NOT_FOUND',
  /** No account with that user name (mqttctl exit 67). */
  NoSuchUser: 'NO_SUCH_USER',
  Conflict: 'CONFLICT',
  Invalid: 'INVALID',
  UnknownMethod: 'UNKNOWN_METHOD',
  UnsupportedVersion: 'UNSUPPORTED_VERSION',
  RestartRequired: 'RESTART_REQUIRED',
  Internal: 'INTERNAL',
} as const satisfies Record<string, ErrorCodeOf<'control'>>
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
  /** Why the store cannot write now (the broker is degraded: `status` exits 4); null while it can. */
  store_error: string | null
  /** The config file and command-line overrides it runs with (what `mqttctl restart` reuses). */
  config: ConfigSource
}

/** A counter with its rate per second over the last sampling period. */
export interface Rate {
  total: number
  per_s: number
}

/** `mqttctl state`: one structured snapshot of the node. */
export interface State {
  node: { name: string; version: string; pid: number; uptime_s: number; started_at: string; node_version: string; store: string }
  /** The config file (null: defaults only) and command-line overrides the broker runs with. */
  config: ConfigSource
  listeners: ListenerState[]
  /** `healthy` false while the store cannot write; `error` says why (null when healthy). */
  store: { kind: string; healthy: boolean; error: string | null; unstored: number }
  sessions: { online: number; offline: number; total: number }
  subscriptions: { count: number; shared: number }
  topics: { subscribed_filters: number }
  /**
   * `count`: retained messages published by clients (what `retained list` lists and `reset
   * --retained` clears); `sys`: the broker's own `$SYS/...` values, also kept as retained messages
   * (`retained list --topic '$SYS/#'`). `$SYS/broker/retained messages/count` counts both, as Mosquitto's.
   */
  retained: { count: number; sys: number }
  /**
   * Access control: `authentication` is off while no account exists and anonymous access is on
   * (user names are then taken as given); topic access is open while no topic rule exists.
   * `failures`: CONNECTs refused by authentication since start, in all and per reason.
   */
  auth: {
    accounts: number;
    topic_rules: number;
    ip_rules: number;
    allow_anonymous: boolean;
    authentication: 'on' | 'off';
    topic_access: 'open' | 'rules'
    failures: AuthFailures
  }
  /**
   * `queue_dropped`: deliveries dropped because a session queue was full; `output_dropped`: QoS 0
   * messages dropped because `max_outgoing_bytes` waited for the subscriber (both also in `dropped`).
   */
  messages: { inflight: number; queued: number; queued_bytes: number; received: Rate; sent: Rate; dropped: Rate; queue_dropped: number; output_dropped: number }
  bytes: { received: Rate; sent: Rate }
  /**
   * `refused`: sockets closed at once at `max_connections`; `refusal_episodes`: times the broker
   * began refusing (at max_connections, or out of file descriptors), each logged once.
   */
  connections: { open: number; accepted: number; refused: number; refusal_episodes: number; protocol_errors: number }
  memory: { rss_bytes: number; heap_used_bytes: number; heap_total_bytes: number; external_bytes: number }
  event_loop: { lag_ms: number; lag_p99_ms: number }
  load_average: [number, number, number]
  /** A cluster node: the cluster's totals (src/cluster/totals.ts); null on a standalone broker (or before Redis first answered). */
  cluster: ClusterTotals | null
  warnings: string[]
}

import type { ClusterTotals } from '../cluster/totals.js'
export type { ClusterTotals }

import type { AuthFailure } from '../auth/authenticate.js'
import type { ImportCounts } from '../auth/access-control.js'
/**
 * Authentication failures since start: `total`, and per reason (src/auth/authenticate.ts#AUTH_FAILURES:
 * bad_password, unknown_user, ip_denied, anonymous_refused, no_certificate, backoff, busy).
 */
export type AuthFailures = { total: number } & Record<AuthFailure, number>

/** A page of a list, with an honest total. */
export interface ListResult<T> {
  items: T[]
  total: number
}

/** A row of a list made across the nodes of a cluster: `node` names the node that holds it (a standalone broker: its own name). */
export type NodeRow<T> = T & { node: string }

/**
 * A list made across the nodes of a cluster: `nodes`, those whose rows it holds (a standalone
 * broker: itself); `unreachable`, those that did not answer in time (their rows are missing).
 */
export interface ClusterListResult<T> extends ListResult<NodeRow<T>> {
  nodes: string[]
  unreachable: string[]
}

/** An account as listed (never its password hash). */
export interface AccountSummary {
  username: string
  created_at: string
  updated_at: string
  last_login: string | null
  /** Sessions of this user with a live connection. */
  online: number
  /**
   * `bcrypt`, or the Mosquitto hash it was imported with (`pbkdf2-sha512`: `$7$`, `sha512`: `$6$`),
   * replaced by bcrypt at its first login.
   */
  hash_type: 'bcrypt' | 'pbkdf2-sha512' | 'sha512' | 'unknown'
}

/** Who a topic rule is for: one user, every client (`pattern`, with %u/%c), or clients without a user name. */
export type RuleSubject = 'user' | 'pattern' | 'anonymous'
export type RuleAccess = 'read' | 'write' | 'readwrite'

export interface TopicRuleSummary {
  id: number
  subject: RuleSubject
  /** The user of a `user` rule; null otherwise. */
  user: string | null
  /** Topic filter, possibly with %u / %c. */
  topic: string
  access: RuleAccess
  effect: 'allow' | 'deny'
  created_at: string
}

export interface IpRuleSummary {
  id: number
  /** Normalised CIDR, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  cidr: string
  action: 'allow' | 'deny'
  /** allow only: clients from this range connect without credentials. */
  skip_auth: boolean
  created_at: string
  /** Connections this rule decided since the broker started (0 offline). */
  hits: number
}

/** An account as `account export` writes it and `account import` reads it: the stored hash, never a password. */
export interface AccountEntry {
  username: string
  /** bcrypt (`$2a$`/`$2b$`/`$2y$`), or a Mosquitto hash (`$6$`, `$7$`) kept until its first login. */
  hash: string
}

/** A topic rule as `acl export` writes it and `acl import` reads it (no id: ids are the broker's). */
export interface TopicRuleEntry {
  subject: RuleSubject
  user: string | null
  topic: string
  access: RuleAccess
  effect: 'allow' | 'deny'
}

/** An IP rule as `acl export` writes it and `acl import` reads it. */
export interface IpRuleEntry {
  cidr: string
  action: 'allow' | 'deny'
  skip_auth: boolean
}

export type { ImportCounts }

/** Result of a change to access control (online: applied live; offline: written to the data dir). */
export interface AuthChange {
  changed: boolean
  /** Connections closed because they lost their right (only with `kick`). */
  kicked: number
  /** false when done offline, on the data dir of a stopped broker. */
  live: boolean
}

/**
 * Topic access after a rule change: `open` while no topic rule exists, `rules` (deny by default)
 * once one does; `topic_access_changed` is true when this change flipped it (the first rule added
 * closes every topic not granted, the last one deleted opens them all).
 */
export interface TopicAccessChange {
  topic_access: 'open' | 'rules'
  topic_access_changed: boolean
}

export interface AclDecision {
  decision: 'allow' | 'deny'
  /**
   * `rule`: decided by `rule`; `default`: no rule matched (deny-by-default once rules exist);
   * `open`: no topic rule exists at all, so everything is allowed; `reserved`: `$SYS` topics are
   * written only by the broker.
   */
  reason: 'rule' | 'default' | 'open' | 'reserved'
  rule: TopicRuleSummary | null
  /** The filter the rule turned into for this user and client id (%u, %c substituted). */
  effective_topic: string | null
}

/** What `mqttctl reload` (and SIGHUP) did. */
export interface ReloadResult {
  /** The config file read again; null for a broker started without one (defaults and command-line values). */
  file: string | null
  /** Live keys now in force with another value (`config set` without --persist is undone too). */
  changed: Array<{ key: string; previous: unknown; value: unknown }>
  /** Keys whose value in the file differs from the running one but that need a restart: left as they are. */
  restart_required: string[]
  /** mqtts/wss listeners: certificate files read again (`error` null), or kept as they were (`error` says why). */
  certificates: Array<{ listener: string; reloaded: boolean; error: string | null }>
  /** The log file was closed and opened again (false for a broker logging to stderr). */
  log_reopened: boolean
}

/** One trace line (`mqttctl trace`): defined next to the tracer that makes it. */
export type { TraceEvent } from '../tracing/events.js'
import type { TraceEvent } from '../tracing/events.js'

/** What `mqttctl backup` wrote: defined next to the file format. */
export type { BackupCounts, BackupSummary } from '../store/backup-file.js'
import type { BackupSummary } from '../store/backup-file.js'

/** One cluster node as `cluster status` shows it: defined next to the membership that reports it. */
export type { ClusterNode } from '../cluster/membership.js'
import type { ClusterNode } from '../cluster/membership.js'

/** `cluster.status`: the answering node's name and every node of its cluster, by name. */
export interface ClusterStatus {
  node: string
  nodes: ClusterNode[]
}

/** One `$SYS` snapshot (`mqttctl sys`). */
export interface SysSnapshot {
  ts: string
  values: Record<string, number | string>
}

/**
 * Every method: its params (inferred from the schemas of control/params.ts, which the server checks
 * every request against), and its result (or, for streams, the event type).
 */
export interface Methods {
  'node.status': { params: MethodParams['node.status']; result: NodeStatus }
  'node.stop': { params: MethodParams['node.stop']; result: { stopping: true; pid: number } }
  /** Every node of the cluster (live, leaving, or down with its lease run out); INVALID on a standalone broker. */
  'cluster.status': { params: MethodParams['cluster.status']; result: ClusterStatus }
  state: { params: MethodParams['state']; result: State }
  /** The clients of every node (or of `node`); NOT_FOUND for a `node` that is not a live node of the cluster. */
  'client.list': { params: MethodParams['client.list']; result: ClusterListResult<ClientSummary> }
  /** Found on whichever node holds the client (this one first); NOT_FOUND when none does. */
  'client.show': { params: MethodParams['client.show']; result: NodeRow<ClientDetail> }
  'client.kick': { params: MethodParams['client.kick']; result: NodeRow<KickResult> }
  'subscription.list': { params: MethodParams['subscription.list']; result: ClusterListResult<SubscriptionSummary> }
  'retained.list': { params: MethodParams['retained.list']; result: ListResult<RetainedSummary> }
  'retained.clear': { params: MethodParams['retained.clear']; result: RetainedClearResult }
  /** `persisted`: keys whose value was saved with `config set --persist` (applied over the file at start). */
  'config.show': { params: MethodParams['config.show']; result: { config: Record<string, unknown>; live_keys: string[]; persisted: string[] } }
  'config.set': { params: MethodParams['config.set']; result: { key: string; previous: unknown; value: unknown; persisted: boolean } }
  /** Creates or replaces an account; `hash` is a bcrypt hash made by mqttctl (no password crosses the socket). */
  'account.set': { params: MethodParams['account.set']; result: AuthChange & { username: string; created: boolean } }
  'account.del': { params: MethodParams['account.del']; result: AuthChange & { username: string; online: number } }
  'account.list': { params: MethodParams['account.list']; result: ListResult<AccountSummary> }
  /** The stored hash, for `account test` (compared by mqttctl); NO_SUCH_USER when no such account. */
  'account.verifier': { params: MethodParams['account.verifier']; result: { username: string; hash: string } }
  'acl.ip.set': { params: MethodParams['acl.ip.set']; result: AuthChange & { rule: IpRuleSummary } }
  'acl.ip.del': { params: MethodParams['acl.ip.del']; result: AuthChange & { rule: IpRuleSummary } }
  'acl.ip.list': { params: MethodParams['acl.ip.list']; result: ListResult<IpRuleSummary> }
  'acl.rule.add': { params: MethodParams['acl.rule.add']; result: AuthChange & TopicAccessChange & { rule: TopicRuleSummary } }
  'acl.rule.del': { params: MethodParams['acl.rule.del']; result: AuthChange & TopicAccessChange & { rule: TopicRuleSummary } }
  'acl.rule.list': { params: MethodParams['acl.rule.list']; result: ListResult<TopicRuleSummary> }
  /** Every account with its stored hash (`account export`), sorted by user name. */
  'account.export': { params: MethodParams['account.export']; result: { accounts: AccountEntry[] } }
  /** Adds or overwrites the named accounts (`replace`: and deletes every other one), all in one durable write. */
  'account.import': { params: MethodParams['account.import']; result: AuthChange & ImportCounts }
  /** Every topic and IP rule, in id order (`acl export`). */
  'acl.export': { params: MethodParams['acl.export']; result: { topic_rules: TopicRuleEntry[]; ip_rules: IpRuleEntry[] } }
  /**
   * Adds the rules not there yet, sets the IP rules given (`replace`: and deletes every other rule),
   * in one durable write. Without `ip_rules` (a Mosquitto acl_file has none) the IP rules stay as they are.
   */
  'acl.import': { params: MethodParams['acl.import']; result: AuthChange & TopicAccessChange & { topic_rules: ImportCounts; ip_rules: ImportCounts } }
  /** Clears state; `dry_run` returns the plan only. Connected clients of cleared sessions get DISCONNECT 0x98. */
  reset: { params: MethodParams['reset']; result: { plan: ResetPlan; done: boolean; live: boolean } }
  /** Reads the config file again (SIGHUP does the same); INVALID, with nothing changed, when the file is invalid. */
  reload: { params: MethodParams['reload']; result: ReloadResult }
  /**
   * Writes a backup of the store to `path` (absolute; written by the broker), from one consistent
   * snapshot; CONFLICT when `path` exists and `force` is not set, INVALID with `store: memory`.
   */
  'store.backup': { params: MethodParams['store.backup']; result: BackupSummary & { live: boolean } }
  /** `user` null: an anonymous client. */
  /** Ends the stream that request `id` of this connection started (answered by the server itself). */
  'stream.cancel': { params: MethodParams['stream.cancel']; result: { cancelled: boolean } }
  'acl.check': { params: MethodParams['acl.check']; result: AclDecision & { user: string | null; topic: string; access: 'read' | 'write'; client_id: string } }
}

export interface Streams {
  'sys.watch': { params: StreamParams['sys.watch']; event: SysSnapshot }
  'trace.start': { params: StreamParams['trace.start']; event: TraceEvent }
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

/** What a client says about itself in each request, for the audit log (unverified: see control/audit.ts). */
export interface ClientIdentity {
  uid: number | null
  user: string | null
  pid: number
}

/** A request frame; `client` is optional (older clients send none). */
export interface RequestFrame {
  id: number
  method: string
  params?: Record<string, unknown>
  client?: ClientIdentity
}
