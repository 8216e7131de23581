/**
 * The store-level part of a reset, one implementation for both places it runs: on a stopped
 * broker's store (`mqttctl reset` with no broker, src/cli/offline-reset.ts) and under the running
 * engine (reset.ts), so the two cannot disagree on what a selection removes from the Store.
 *
 * Reading is asynchronous and deleting is not: `readStoredState` lists what the selected kinds hold,
 * then `deleteStoredState` removes it in one synchronous pass, so a running broker can end its
 * in-memory state in the same tick and nothing slips in between.
 */
import type { RecordKind, Store } from '../../store/store.js'
import type { ResetPlan, ResetSelection } from './records.js'

/** The keys a selection covers in one Store. */
export interface StoredState {
  sessions: string[]
  /** Client ids of the delayed wills. */
  wills: string[]
  retained: string[]
  records: Array<{ kind: RecordKind, ids: string[] }>
}

/** The record kinds a selection clears. */
function recordKinds (sel: ResetSelection): RecordKind[] {
  return [
    ...(sel.accounts === true ? ['account'] as const : []),
    ...(sel.acl === true ? ['topic_rule', 'ip_rule'] as const : []),
    ...(sel.settings === true ? ['setting'] as const : []),
  ]
}

export async function readStoredState (store: Store, sel: ResetSelection): Promise<StoredState> {
  const state: StoredState = { sessions: [], wills: [], retained: [], records: [] }
  if (sel.sessions === true) {
    for await (const record of store.loadSessions()) state.sessions.push(record.clientId)
    for (const will of await store.loadWills()) state.wills.push(will.clientId)
  }
  if (sel.retained === true) for await (const msg of store.loadRetained()) state.retained.push(msg.topic)
  for (const kind of recordKinds(sel)) state.records.push({ kind, ids: (await store.loadRecords(kind)).map(({ id }) => id) })
  return state
}

/** How many of each kind the state holds. */
export function storedPlan (state: StoredState): ResetPlan {
  const records = (kind: RecordKind): number => state.records.find((r) => r.kind === kind)?.ids.length ?? 0
  return {
    sessions: state.sessions.length,
    retained: state.retained.length,
    accounts: records('account'),
    topic_rules: records('topic_rule'),
    ip_rules: records('ip_rule'),
    wills: state.wills.length,
    settings: records('setting'),
  }
}

/** Deletes what `readStoredState` listed (durable after the Store's next flush). */
export function deleteStoredState (store: Store, state: StoredState): void {
  for (const clientId of state.sessions) store.deleteSession(clientId)
  for (const clientId of state.wills) store.deleteWill(clientId)
  for (const topic of state.retained) store.deleteRetained(topic)
  for (const { kind, ids } of state.records) for (const id of ids) store.deleteRecord(kind, id)
}
