/**
 * `mqttctl restore FILE`: a backup (mqttctl backup) into the data dir of a stopped broker, or a
 * new one; the file is checked whole before anything is written (src/store/restore.ts).
 */
import { resolve } from 'node:path'
import { Args, Flags } from '@oclif/core'
import { ControlClientError } from '../src/control/client.js'
import type { BackupSummary } from '../src/control/schema.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { describeBackupCounts } from '../src/cli/backup-format.js'
import { ExitCode } from '../src/cli/exit-codes.js'

export type RestoreResult = BackupSummary & { data_dir: string; replaced: boolean }

export default class Restore extends BaseCommand<typeof Restore> {
  static override summary = 'Restore a backup (mqttctl backup) into the data dir of a stopped broker, or a new one.'
  static override description = `Reads FILE through first and checks it (header, every line, entry count and SHA-256): a cut or altered file writes nothing. The data dir must have no broker running (exit 69: stop it first) and no store yet: an existing store is replaced only with --force (after the new one has been written and opened as the broker would; until then the old one is kept). Then start the broker there: sessions resume with their queued and inflight messages, retained messages, delayed wills, accounts, rules and saved settings are as they were at the backup.

Prints "restored FILE (backup of NODE, CREATED) into DATA_DIR: N entries (…)". With --json: {path, created, node, entries, bytes, sha256, counts, data_dir, replaced}.

Exit codes: 0 restored, 65 the file is damaged or not a backup of this store format, or the data dir has a store (without --force), 69 a broker runs on the data dir (or another process holds its store).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /backups/mqttd-2026-12-07.ndjson.gz --data-dir /var/lib/mqttd-new',
    '<%= config.bin %> stop && <%= config.bin %> <%= command.id %> nightly.ndjson.gz --force && <%= config.bin %> start',
  ]

  static override args = {
    file: Args.string({ required: true, description: 'The backup file.' }),
  }

  static override flags = {
    force: Flags.boolean({ summary: 'Replace the store the data dir already has.' }),
  }

  async run (): Promise<RestoreResult> {
    const file = resolve(this.args.file)
    const dataDir = await this.dataDir()
    if (await this.brokerAnswers()) {
      this.fail(`a broker is running on ${dataDir}: stop it first (mqttctl stop)`, ExitCode.Unavailable, 'RUNNING')
    }
    const { offlineRestore } = await import('../src/cli/offline-backup.js')
    const result = await offlineRestore(dataDir, file, this.flags.force)
    this.log(`restored ${file} (backup of ${result.node}, ${result.created}) into ${dataDir}: ${result.entries} entries (${describeBackupCounts(result.counts)})`)
    return { ...result, data_dir: dataDir }
  }

  private async brokerAnswers (): Promise<boolean> {
    try {
      await this.control()
      return true
    } catch (err) {
      if (err instanceof ControlClientError && err.kind === 'unavailable') return false
      throw err
    }
  }
}
