/**
 * The work of `mqttctl store repair` on a stopped broker's data dir: LevelDB's RepairDB on the store
 * (through the binding mqttctl was installed with, so it works from any directory), and, when the
 * store recorded a loss (store/wal-guard.ts) and the operator accepts it, forgetting that record.
 */
import { stat } from 'node:fs/promises'
import { EmbeddedStore } from '../store/embedded.js'
import { StoreError } from '../store/errors.js'
import { acceptLoss, type DamageRecord, readDamage } from '../store/wal-guard.js'
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

export interface RepairResult {
  store_dir: string
  repaired: boolean
  damage: DamageRecord | null
  accepted_loss: boolean
}

export async function repairStore (dataDir: string, acceptingLoss: boolean): Promise<RepairResult> {
  const storeDir = new EmbeddedStore(dataDir).dir
  if (!await stat(storeDir).then((s) => s.isDirectory(), () => false)) {
    throw new CliFailure(`no store in ${storeDir}`, ExitCode.DataError, 'NO_STORE', ['give the broker\'s data dir: --data-dir DIR'])
  }
  if (await readDamage(storeDir) === null) {
    // Opened as the broker opens it first: that takes the lock (LevelDB's repair does not, and must
    // not run under a live broker), and checks the write-ahead log before anything replays it.
    const probe = new EmbeddedStore(dataDir)
    try {
      await probe.open()
      await probe.close()
    } catch (err) {
      if (err instanceof StoreError && err.locked) {
        throw new CliFailure(`the store in ${storeDir} is held by another process (a running broker?)`, ExitCode.Unavailable, 'STORE_LOCKED', ['stop the broker first: mqttctl stop'])
      }
      // damaged: what the repair is for (or a loss, recorded now and handled below)
    }
  }
  const damage = await readDamage(storeDir)
  if (damage !== null && !acceptingLoss) return { store_dir: storeDir, repaired: false, damage, accepted_loss: false }
  try {
    await EmbeddedStore.repair(dataDir)
  } catch (err) {
    throw new CliFailure(`the repair of ${storeDir} failed: ${(err as Error).message}`, ExitCode.Internal, 'REPAIR_FAILED')
  }
  if (damage !== null) await acceptLoss(storeDir)
  return { store_dir: storeDir, repaired: true, damage, accepted_loss: damage !== null }
}
