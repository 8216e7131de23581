/**
 * Offline administration: `mqttctl account …` and `mqttctl acl …` while no broker runs, straight on
 * the data dir's embedded store (so a deployment can be provisioned before its first start, as
 * `mosquitto_ctrl -f` does). The store's own lock (LevelDB's LOCK file) keeps this and a broker
 * from ever writing it at once: opening fails while a broker has it, and a broker starting while
 * this holds it waits for it (src/broker.ts).
 */
import { makeDir } from '../host/make-dir.js'
import { EmbeddedStore } from '../store/embedded.js'
import { AccessControl } from '../auth/access-control.js'
import { type AuthMethods, authMethods } from './auth-methods.js'

export interface OfflineAdmin {
  readonly methods: AuthMethods
  /** The store directory that was changed. */
  readonly storeDir: string
  close (): Promise<void>
}

export async function openOfflineAdmin (dataDir: string): Promise<OfflineAdmin> {
  await makeDir(dataDir)
  const store = new EmbeddedStore(dataDir)
  await store.open()
  try {
    const access = new AccessControl(store)
    await access.load()
    return { methods: authMethods(access, null), storeDir: store.dir, close: () => store.close() }
  } catch (err) {
    await store.close()
    throw err
  }
}
