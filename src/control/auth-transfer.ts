/**
 * `account.export`, `account.import`, `acl.export` and `acl.import`: access control moved as a
 * whole, on the running broker and on a stopped one's data dir (like the rest of src/control/auth-methods.ts,
 * which merges these in). An import is checked entry by entry first (transfer-format.ts: the first
 * bad entry is named and nothing changes), then applied in one durable write. Without `replace` it
 * adds to what is there: named accounts are created or get the file's hash, topic rules not there
 * yet are added, an IP range gets the file's action; with `replace`, what the file does not hold
 * is deleted too (IP rules only when the import gives some: a Mosquitto acl_file has none). With `kick` on a live broker, clients that lost their right are disconnected.
 */
import { ControlError } from './server.js'
import { ControlErrorCode } from './schema.js'
import type { AccessControl } from '../auth/access-control.js'
import type { AuthMethods, MethodKit } from './auth-methods.js'
import { checkAccountEntries, checkRuleEntries, EntryError } from './transfer-format.js'

export type TransferMethodName = 'account.export' | 'account.import' | 'acl.export' | 'acl.import'
export const TRANSFER_METHODS: readonly TransferMethodName[] = ['account.export', 'account.import', 'acl.export', 'acl.import']

export function transferMethods (access: AccessControl, kit: MethodKit): Pick<AuthMethods, TransferMethodName> {
  return {
    'account.export': async () => ({ accounts: access.listAccounts().map((a) => ({ username: a.username, hash: a.hash })) }),

    'account.import': async ({ accounts, replace = false, kick: doKick }) => {
      const entries = checked(() => checkAccountEntries(accounts))
      const { counts, touched } = await access.importAccounts(entries, replace)
      const kicked = touched.size > 0 ? kit.kick(doKick, (c) => c.username !== undefined && touched.has(c.username), 'account imported') : 0
      return { ...kit.change(touched.size > 0, kicked), ...counts }
    },

    'acl.export': async () => ({
      topic_rules: access.listTopicRules().map((r) => ({ subject: r.subject, user: r.user, topic: r.topic, access: r.access, effect: r.effect })),
      ip_rules: access.listIpRules().map((r) => ({ cidr: r.cidr.text, action: r.action, skip_auth: r.skipAuth })),
    }),

    'acl.import': async ({ topic_rules: topicRules, ip_rules: ipRules, replace = false, kick: doKick }) => {
      const entries = checked(() => checkRuleEntries(topicRules, ipRules ?? []))
      const wasRestricted = access.restricted
      const ip = ipRules === undefined ? null : entries.ip_rules.map((r) => ({ cidr: r.cidr, action: r.action, skipAuth: r.skip_auth }))
      const counts = await access.importRules(entries.topic_rules, ip, replace)
      const changed = [counts.topic, counts.ip].some((c) => c.added + c.updated + c.deleted > 0)
      const kicked = changed ? kit.kick(doKick, (c) => kit.lostAdmission(c) || kit.lostSubscription(c), 'rules imported') : 0
      return { ...kit.change(changed, kicked), ...kit.topicAccess(wasRestricted), topic_rules: counts.topic, ip_rules: counts.ip }
    },
  }
}

function checked<T> (fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof EntryError) throw new ControlError(ControlErrorCode.Invalid, err.message)
    throw err
  }
}
