/**
 * `mqttctl backup` and `mqttctl restore` on the data dir of a stopped broker, with their failures
 * as exit codes: the store held by another process is 69, a damaged store or backup file, an
 * existing target without --force, or nothing to back up is 65.
 */
import { stat } from 'node:fs/promises'
import { BackupExistsError, BackupFileError, type BackupSummary, writeBackup } from '../store/backup-file.js'
import { EmbeddedStore } from '../store/embedded.js'
import { StoreError } from '../store/errors.js'
import { restoreBackup, StoreExistsError } from '../store/restore.js'
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

export async function offlineBackup (dataDir: string, path: string, force: boolean, node: string): Promise<BackupSummary> {
  const store = new EmbeddedStore(dataDir)
  if (!await stat(store.dir).then(() => true, () => false)) throw new CliFailure(`no broker is running and ${dataDir} has no store to back up`, ExitCode.DataError, 'NO_STORE')
  try {
    await store.open()
    try {
      return await writeBackup(path, store.snapshot(), node, force)
    } finally {
      await store.close()
    }
  } catch (err) {
    throw failure(err)
  }
}

export async function offlineRestore (dataDir: string, file: string, force: boolean): Promise<BackupSummary & { replaced: boolean }> {
  try {
    return await restoreBackup(dataDir, file, force)
  } catch (err) {
    throw failure(err)
  }
}

function failure (err: unknown): unknown {
  if (err instanceof BackupExistsError) return new CliFailure(err.message, ExitCode.DataError, 'EXISTS')
  if (err instanceof StoreExistsError) return new CliFailure(err.message, ExitCode.DataError, 'STORE_EXISTS', ['restore into a new data dir, or replace this store with --force'])
  if (err instanceof BackupFileError) return new CliFailure(`the backup cannot be used, nothing was written: ${err.message}`, ExitCode.DataError, 'BACKUP_DAMAGED')
  if (err instanceof StoreError) return new CliFailure(err.message, err.locked ? ExitCode.Unavailable : ExitCode.DataError, err.code)
  const code = (err as NodeJS.ErrnoException).code
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new CliFailure((err as Error).message, ExitCode.DataError, code)
  return err
}
