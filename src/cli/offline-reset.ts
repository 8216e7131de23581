/**
 * `mqttctl reset` on the data dir of a stopped broker: the same selection as the live method,
 * cleared by the same store-level code (src/core/admin/stored-state.ts) on the embedded store
 * (opened here; its lock keeps a broker out meanwhile), and `--all`, which deletes the whole store directory — the way out when the
 * store is damaged and cannot even be opened (the broker's damage message names this command).
 */
import { rm, stat } from 'node:fs/promises'
import type { ResetPlan, ResetSelection } from '../core/admin/records.js'
import { deleteStoredState, readStoredState, storedPlan, type StoredState } from '../core/admin/stored-state.js'
import { EmbeddedStore } from '../store/embedded.js'
import { StoreError } from '../store/errors.js'
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
  let stored: StoredState | null = null
  let open = false
  if (exists) {
    try {
      await store.open()
      open = true
      stored = await readStoredState(store, all ? { sessions: true, retained: true, accounts: true, acl: true, settings: true } : selection)
      plan = storedPlan(stored)
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
      if (open && stored !== null) {
        deleteStoredState(store, stored)
        await store.flush()
      }
    },
  }
}
