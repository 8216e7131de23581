/**
 * Reset on the running engine: clears the selected kinds of state in memory and in the Store,
 * durable before it resolves. Sessions: every connected client is disconnected (DISCONNECT 0x98
 * Administrative action) and every session discarded with its queue and inflight messages; their
 * delayed wills are dropped, not published. The Store's part is stored-state.ts, the same code a
 * reset of a stopped broker's store runs; deleting the whole store directory needs the broker
 * stopped and is no part of this.
 */
import { ReasonCode } from '../../protocol/reason-codes.js'
import { CloseReason } from '../close-reason.js'
import type { Engine } from '../engine.js'
import type { ResetOutcome, ResetPlan, ResetSelection } from './records.js'
import { deleteStoredState, readStoredState, storedPlan } from './stored-state.js'

/** The counts a reset of `sel` would clear now: what the engine holds, and the saved settings. */
async function livePlan (engine: Engine, sel: ResetSelection): Promise<ResetPlan> {
  const access = engine.access
  const settings = storedPlan(await readStoredState(engine.store, { settings: sel.settings })).settings
  return {
    sessions: sel.sessions === true ? engine.sessions.size : 0,
    retained: sel.retained === true ? [...engine.retained.entries()].filter(([topic]) => !topic.startsWith('$SYS/')).length : 0,
    accounts: sel.accounts === true ? access.accountCount : 0,
    topic_rules: sel.acl === true ? access.listTopicRules().length : 0,
    ip_rules: sel.acl === true ? access.listIpRules().length : 0,
    wills: sel.sessions === true ? engine.wills.pendingCount : 0,
    settings,
  }
}

/** Ends every session and its will, and drops every retained message but the `$SYS` ones. */
function clearEngineState (engine: Engine, sel: ResetSelection): void {
  if (sel.sessions === true) {
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
  if (sel.retained === true) {
    for (const [topic] of [...engine.retained.entries()]) if (!topic.startsWith('$SYS/')) engine.retained.delete(topic)
  }
}

export async function resetEngine (engine: Engine, sel: ResetSelection, dryRun: boolean): Promise<ResetOutcome> {
  const plan = await livePlan(engine, sel)
  if (dryRun) return { plan, done: false }
  const stored = await readStoredState(engine.store, sel)
  // one tick: memory and Store end together, so no client gets in between
  clearEngineState(engine, sel)
  deleteStoredState(engine.store, stored)
  // accounts and rules also leave the AccessControl's memory (their records are gone already)
  const access = engine.access
  if (sel.accounts === true) for (const a of access.listAccounts()) await access.deleteAccount(a.username)
  if (sel.acl === true) {
    for (const r of [...access.listTopicRules()]) await access.deleteTopicRule(r.id)
    for (const r of [...access.listIpRules()]) await access.deleteIpRule(r.cidr.text)
  }
  // the values in force stay until the restart, which then uses the config file's
  await engine.store.flush()
  return { plan, done: true }
}
