/**
 * The audit trail of the control channel: every change an operator makes (accounts, rules, IP
 * rules, configuration, kicks, resets, retained clears, reloads, stops) becomes one info line
 * `{audit: true, action: "account.set", who: {...}, target: "alice", ...}` once it has succeeded.
 * Read-only requests, dry runs and refused requests change nothing and are not logged. No line
 * carries a password or a hash: each method lists the fields it logs, never its params wholesale.
 *
 * Who: Node cannot read a Unix socket peer's credentials (SO_PEERCRED), but the control socket is
 * reachable only by the broker's own user (0600, in a 0700 data directory) and by root. So `who`
 * records `socket_uid` (the broker's uid, owner of the socket) and what the client says about
 * itself in each request (`uid`, `user`, `pid`: mqttctl sends them, see control/client.ts; they are
 * not verified, and null from a client that sends none).
 */
import type { Logger } from '../log.js'
import type { ClientIdentity, MethodName, Methods } from './schema.js'

/** What one audit line says beyond action and who: its target and the outcome worth keeping. */
type AuditFields = { target: unknown } & Record<string, unknown>

type Describer<M extends MethodName> = (params: Methods[M]['params'], result: Methods[M]['result']) => AuditFields | null

/** The methods that change something; null from a describer: nothing changed (a dry run). */
const AUDITED: { [M in MethodName]?: Describer<M> } = {
  'node.stop': () => ({ target: null }),
  reload: (_p, r) => ({ target: r.file, changed: r.changed, restart_required: r.restart_required, certificates: r.certificates }),
  'client.kick': (p, r) => ({ target: p.client_id, kicked: r.kicked, session_discarded: r.session_discarded }),
  'retained.clear': (p, r) => p.dry_run === true ? null : { target: p.filter, cleared: r.cleared },
  'config.set': (p, r) => ({ target: p.key, previous: r.previous, value: r.value, persist: p.persist === true }),
  'account.set': (p, r) => ({ target: p.username, created: r.created, kicked: r.kicked }),
  'account.del': (p, r) => p.dry_run === true ? null : { target: p.username, changed: r.changed, kicked: r.kicked },
  'acl.ip.set': (_p, r) => ({ target: r.rule.cidr, rule_action: r.rule.action, skip_auth: r.rule.skip_auth, changed: r.changed, kicked: r.kicked }),
  'acl.ip.del': (p, r) => ({ target: p.cidr, changed: r.changed, kicked: r.kicked }),
  'acl.rule.add': (_p, r) => ({ target: r.rule.id, rule: r.rule, changed: r.changed, kicked: r.kicked, topic_access: r.topic_access }),
  'acl.rule.del': (p, r) => ({ target: p.id, rule: r.rule, changed: r.changed, kicked: r.kicked, topic_access: r.topic_access }),
  reset: (p, r) => {
    if (!r.done) return null
    const { dry_run: _dryRun, ...selection } = p
    return { target: Object.keys(selection).filter((k) => selection[k as keyof typeof selection] === true), plan: r.plan }
  },
}

/** The `who` of an audit line. */
export interface AuditWho {
  /** The broker's uid, which owns the control socket: the peer is this user or root. */
  socket_uid: number | null
  /** As the client reports itself (unverified); null when it does not. */
  uid: number | null
  user: string | null
  pid: number | null
}

const SOCKET_UID = typeof process.geteuid === 'function' ? process.geteuid() : null

/** `client` as a request frame carried it, kept to the expected types (anything else is null). */
export function auditWho (client: unknown): AuditWho {
  const c = (typeof client === 'object' && client !== null ? client : {}) as Partial<Record<keyof ClientIdentity, unknown>>
  return {
    socket_uid: SOCKET_UID,
    uid: Number.isSafeInteger(c.uid) ? c.uid as number : null,
    user: typeof c.user === 'string' ? c.user : null,
    pid: Number.isSafeInteger(c.pid) ? c.pid as number : null,
  }
}

/** Logs the audit line of a successful `method` call, when it changed something. */
export function audit (log: Logger, method: string, params: unknown, result: unknown, client: unknown): void {
  const describe = AUDITED[method as MethodName] as Describer<MethodName> | undefined
  if (describe === undefined) return
  const fields = describe(params as never, result as never)
  if (fields === null) return
  const who = auditWho(client)
  const by = who.user ?? (who.uid === null ? 'an unidentified client' : `uid ${who.uid}`)
  log.info({ audit: true, action: method, who, ...fields }, `audit: ${method}${fields.target === null ? '' : ` ${JSON.stringify(fields.target)}`} by ${by}`)
}
