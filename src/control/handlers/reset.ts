/**
 * `reset` on the running broker: clears the selected kinds of state in memory and in the Store,
 * durable before the reply. Sessions: every connected client is disconnected (DISCONNECT 0x98
 * Administrative action) and every session discarded with its queue and inflight messages; their
 * delayed wills are dropped, not published. `mqttctl reset --all` (the whole store directory,
 * even a damaged one) needs the broker stopped and never comes here.
 */
import { CloseReason } from '../../core/close-reason.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import type { ControlServer } from '../server.js'
import type { ResetPlan } from '../schema.js'
import type { BrokerView } from './context.js'

export function registerResetHandlers (server: ControlServer, broker: BrokerView): void {
  const engine = broker.engine
  const access = engine.access

  server.handle('reset', async ({ sessions = false, retained = false, accounts = false, acl = false, settings = false, dry_run: dryRun = false }) => {
    const saved = settings ? await engine.store.loadRecords('setting') : []
    const plan: ResetPlan = {
      sessions: sessions ? engine.sessions.size : 0,
      retained: retained ? [...engine.retained.entries()].filter(([topic]) => !topic.startsWith('$SYS/')).length : 0,
      accounts: accounts ? access.accountCount : 0,
      topic_rules: acl ? access.listTopicRules().length : 0,
      ip_rules: acl ? access.listIpRules().length : 0,
      wills: sessions ? engine.wills.pendingCount : 0,
      settings: saved.length,
    }
    if (dryRun) return { plan, done: false, live: true }
    if (sessions) {
      for (const session of [...engine.sessions.values()]) {
        engine.wills.cancel(session.clientId)
        session.expiryInterval = 0 // ends with its connection
        const conn = session.connection
        if (conn !== null) {
          conn.will = null // a reset is no abnormal disconnection: no will
          conn.close(CloseReason.AdministrativeAction, ReasonCode.AdministrativeAction)
        }
        engine.sessions.discard(session)
      }
      for (const clientId of engine.wills.pendingClientIds()) engine.wills.cancel(clientId)
    }
    if (retained) {
      for (const [topic] of [...engine.retained.entries()]) if (!topic.startsWith('$SYS/')) engine.retained.delete(topic)
    }
    if (accounts) for (const a of access.listAccounts()) await access.deleteAccount(a.username)
    if (acl) {
      for (const r of [...access.listTopicRules()]) await access.deleteTopicRule(r.id)
      for (const r of [...access.listIpRules()]) await access.deleteIpRule(r.cidr.text)
    }
    // the values in force stay until the restart, which then uses the config file's
    for (const { id } of saved) engine.store.deleteRecord('setting', id)
    await engine.store.flush()
    return { plan, done: true, live: true }
  })
}
