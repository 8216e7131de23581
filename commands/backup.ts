/**
 * `mqttctl backup FILE`: the whole store (sessions, queued and inflight messages, retained
 * messages, delayed wills, accounts, rules, saved settings) as one file, from one consistent
 * snapshot: written by the running broker while it serves, or here from a stopped broker's data dir.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Args, Flags } from '@oclif/core'
import type { Methods } from '../src/control/schema.js'
import { ControlClientError } from '../src/control/client.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { describeBackupCounts } from '../src/cli/backup-format.js'
import { ExitCode } from '../src/cli/exit-codes.js'

export type BackupResult = Methods['store.backup']['result']

/** How long a live backup may take (a large store): far past the usual request timeout. */
const BACKUP_TIMEOUT_MS = 30 * 60_000

export default class Backup extends BaseCommand<typeof Backup> {
  static override summary = 'Back up the store (sessions, queues, retained messages, accounts, rules, settings) to one file.'
  static override description = `With a broker running, the broker writes FILE from one consistent snapshot of its store while it goes on serving clients: the backup holds exactly what a crash at that instant would leave (every message acknowledged as stored before it started, nothing half written). With none, mqttctl reads the data dir itself.

FILE is gzip'd NDJSON: a header {format: "mqttd-backup", version: 1, created, node, store_format}, one line per store entry, and an end line with the entry count and a SHA-256 of everything before it. It is written under a temporary name and moved into place when complete, mode 0600 (it holds password hashes and messages). An existing FILE is refused unless --force. Only the embedded store (store: embedded, the default) can be backed up. mqttctl restore reads it back.

--timeout bounds connecting to the broker; the backup itself may take up to 30 minutes (or --timeout, if longer).

Prints "backup written to FILE: N entries (…)". With --json: {path, created, node, entries, bytes, sha256, counts: {sessions, queued, inflight, retained, wills, accounts, topic_rules, ip_rules, settings}, live}.

Exit codes: 0 written, 65 FILE exists (without --force), cannot be written, or there is no store to back up, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> "/backups/mqttd-$(date +%F).ndjson.gz"',
    '<%= config.bin %> <%= command.id %> nightly.ndjson.gz --force --data-dir /var/lib/mqttd',
  ]

  static override args = {
    file: Args.string({ required: true, description: 'The backup file to write.' }),
  }

  static override flags = {
    force: Flags.boolean({ summary: 'Replace FILE if it exists.' }),
  }

  async run (): Promise<BackupResult> {
    const path = resolve(this.args.file)
    const force = this.flags.force
    if (!force && await stat(path).then(() => true, () => false)) this.fail(`${path} exists (--force replaces it)`, ExitCode.DataError, 'EXISTS')
    const result = await this.live(path, force) ?? await this.offline(path, force)
    this.log(`backup written to ${result.path}: ${result.entries} entries (${describeBackupCounts(result.counts)})`)
    return result
  }

  /** Through the running broker; null when none answers. */
  private async live (path: string, force: boolean): Promise<BackupResult | null> {
    let client
    try {
      client = await this.control()
    } catch (err) {
      if (err instanceof ControlClientError && err.kind === 'unavailable') return null
      throw err
    }
    return client.request('store.backup', { path, force }, Math.max(this.timeoutMs, BACKUP_TIMEOUT_MS))
  }

  private async offline (path: string, force: boolean): Promise<BackupResult> {
    const dataDir = await this.dataDir()
    const { offlineBackup } = await import('../src/cli/offline-backup.js')
    const result = await offlineBackup(dataDir, path, force, await this.nodeName())
    this.note(`no broker is running: backed up the data dir ${dataDir}`)
    return { ...result, live: false }
  }

  /** The node name recorded in the header: the config file's, else this host's name (the broker's default). */
  private async nodeName (): Promise<string> {
    const { loadConfig } = await import('../src/config/load.js')
    const { defaultNodeName } = await import('../src/config/defaults.js')
    return this.flags.config === undefined ? defaultNodeName() : (await loadConfig({ file: this.flags.config })).node_name
  }
}
