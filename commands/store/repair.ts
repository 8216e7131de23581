/**
 * `mqttctl store repair`: repairs the embedded store of a stopped broker in place (LevelDB's
 * RepairDB, which keeps every record that can still be read), and with `--accept-loss` lets a
 * store that lost acknowledged data to a damaged write-ahead log start again with what is left.
 * It runs from any directory: the database binding is the one mqttctl itself was installed with.
 */
import { Flags } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { repairStore, type RepairResult } from '../../src/cli/store-repair.js'

export default class StoreRepair extends BaseCommand<typeof StoreRepair> {
  static override summary = 'Repair the embedded store of a stopped broker, keeping every record that can still be read.'
  static override description = `Runs LevelDB's repair on <data dir>/store: damaged table files, a lost MANIFEST or CURRENT file are rebuilt from what can still be read. The broker must be stopped (the store is locked while it runs).

When the broker refused to start because the store's write-ahead log was damaged or cut short (acknowledged messages were lost; the damaged log was kept in <data dir>/store/damaged-<time>/), the loss cannot be undone here: restore the data dir from a backup, or accept the loss with --accept-loss and start with what is left.

With --json: {store_dir, repaired, damage: {found_at, detail, kept_in} | null, accepted_loss}.

Exit codes: 0 repaired, 65 the store lost data and --accept-loss was not given, 69 the store is held by another process (a running broker), 70 the repair failed.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --data-dir /var/lib/mqttd',
    '<%= config.bin %> <%= command.id %> --data-dir /var/lib/mqttd --accept-loss',
  ]

  static override flags = {
    'accept-loss': Flags.boolean({ summary: 'Start again with what is left of a store that lost acknowledged data.' }),
  }

  async run (): Promise<RepairResult> {
    const result = await repairStore(await this.dataDir(), this.flags['accept-loss'])
    if (result.damage !== null && !result.accepted_loss) {
      this.fail(`the store in ${result.store_dir} lost acknowledged data (found ${result.damage.found_at}): ${result.damage.detail}`,
        ExitCode.DataError, 'STORE_LOST_DATA', [
          ...(result.damage.kept_in === null ? [] : [`the damaged log is kept in ${result.damage.kept_in}`]),
          'restore the data dir from a backup',
          'or start with what is left: add --accept-loss',
        ])
    }
    if (result.accepted_loss) this.log(`loss accepted: the next start uses what is left in ${result.store_dir}`)
    this.log(`repaired ${result.store_dir}`)
    return result
  }
}
