/**
 * `mqttctl reset` on the data dir of a stopped broker: the same selection as the live method,
 * done through the Store interface on the embedded store (opened here; its lock keeps a broker
 * out meanwhile), and `--all`, which deletes the whole store directory — the way out when the
 * store is damaged and cannot even be opened (the broker's damage message names this command).
 */
import { rm, stat } from 'node:fs/promises'
import type { ResetPlan, ResetSelection } from '../control/schema.js'
import { EmbeddedStore } from '../store/embedded.js'
import { StoreError } from '../store/errors.js'
import type { Store } from '../store/store.js'
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

export interface OfflineReset {
  /** The counts, or null with `unreadable` when the store cannot be opened (only `--all` can help then). */
  plan: ResetPlan | null
  unreadable: string | null
  storeDir: string
  /** Applies the selection (or, for `all`, deletes the store directory). */
  apply (): Promise<void>
  close (): Promise<void>
}

export async function openOfflineReset (dataDir: string, selection: ResetSelection, all: boolean): Promise<OfflineReset> {
  const store = new EmbeddedStore(dataDir)
  const exists = await stat(store.dir).then(() => true, () => false)
  let unreadable: string | null = null
  let plan: ResetPlan | null = null
  let open = false
  if (exists) {
    try {
      await store.open()
      open = true
      plan = await countStore(store, all ? { sessions: true, retained: true, accounts: true, acl: true, settings: true } : selection)
    } catch (err) {
      // a damaged store can only be deleted; one another process holds must be left alone
      if (all && !(err instanceof StoreError && err.locked)) {
        unreadable = (err as Error).message
      } else if (err instanceof StoreError) {
        throw new CliFailure(err.message, err.locked || err.code !== 'BRK_ERR_STORE_CORRUPT' ? ExitCode.Unavailable : ExitCode.DataError, err.code,
          err.locked ? undefined : ['mqttctl reset --all deletes the whole store'])
      } else {
        throw err
      }
    }
  } else {
    plan = { sessions: 0, retained: 0, accounts: 0, topic_rules: 0, ip_rules: 0, wills: 0, settings: 0 }
  }
  const close = async (): Promise<void> => {
    if (open) await store.close()
    open = false
  }
  return {
    plan,
    unreadable,
    storeDir: store.dir,
    close,
    apply: async () => {
      if (all) {
        await close()
        await rm(store.dir, { recursive: true, force: true })
        return
      }
      if (open) await clearStore(store, selection)
    },
  }
}

async function countStore (store: Store, sel: ResetSelection): Promise<ResetPlan> {
  let sessions = 0
  let retained = 0
  if (sel.sessions === true) for await (const _ of store.loadSessions()) sessions++
  if (sel.retained === true) for await (const _ of store.loadRetained()) retained++
  return {
    sessions,
    retained,
    accounts: sel.accounts === true ? (await store.loadRecords('account')).length : 0,
    topic_rules: sel.acl === true ? (await store.loadRecords('topic_rule')).length : 0,
    ip_rules: sel.acl === true ? (await store.loadRecords('ip_rule')).length : 0,
    wills: sel.sessions === true ? (await store.loadWills()).length : 0,
    settings: sel.settings === true ? (await store.loadRecords('setting')).length : 0,
  }
}

async function clearStore (store: Store, sel: ResetSelection): Promise<void> {
  if (sel.sessions === true) {
    const ids: string[] = []
    for await (const record of store.loadSessions()) ids.push(record.clientId)
    for (const id of ids) store.deleteSession(id)
    for (const will of await store.loadWills()) store.deleteWill(will.clientId)
  }
  if (sel.retained === true) {
    const topics: string[] = []
    for await (const msg of store.loadRetained()) topics.push(msg.topic)
    for (const topic of topics) store.deleteRetained(topic)
  }
  const kinds = [
    ...(sel.accounts === true ? ['account'] as const : []),
    ...(sel.acl === true ? ['topic_rule', 'ip_rule'] as const : []),
    ...(sel.settings === true ? ['setting'] as const : []),
  ]
  for (const kind of kinds) for (const { id } of await store.loadRecords(kind)) store.deleteRecord(kind, id)
  await store.flush()
}
