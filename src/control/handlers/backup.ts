/**
 * `store.backup` on the running broker: the embedded store's consistent snapshot (one LevelDB
 * iterator, after the changes made so far are durable) written as a backup file by the broker,
 * while it goes on serving clients. The path comes from mqttctl, which runs as the same user (the
 * control socket is owner-only).
 */
import { isAbsolute } from 'node:path'
import { BackupExistsError, writeBackup } from '../../store/backup-file.js'
import { EmbeddedStore } from '../../store/embedded.js'
import { ControlError, type ControlServer } from '../server.js'
import { ControlErrorCode } from '../schema.js'
import type { BrokerView } from './context.js'

export function registerBackupHandlers (server: ControlServer, broker: BrokerView): void {
  server.handle('store.backup', async ({ path, force = false }) => {
    const store = broker.engine.store
    if (!(store instanceof EmbeddedStore)) throw new ControlError(ControlErrorCode.Invalid, `store: ${store.kind} keeps nothing on disk to back up`)
    if (!isAbsolute(path)) throw new ControlError(ControlErrorCode.Invalid, 'the backup path must be absolute')
    try {
      const summary = await writeBackup(path, store.snapshot(), broker.config.node_name, force)
      broker.log.info({ path, entries: summary.entries, bytes: summary.bytes }, 'backup written')
      return { ...summary, live: true }
    } catch (err) {
      if (err instanceof BackupExistsError) throw new ControlError(ControlErrorCode.Conflict, err.message)
      if ((err as NodeJS.ErrnoException).code !== undefined) throw new ControlError(ControlErrorCode.Invalid, `cannot write ${path}: ${(err as Error).message}`)
      throw err
    }
  })
}
