/**
 * `mqttctl reset`: clears stored state, showing first what will go (a destructive
 * commands). With a broker running the selection is cleared live; with none, on the data dir.
 * `--all` deletes the whole store directory and needs the broker stopped: it is the way out when
 * the store is damaged and cannot be opened.
 */
import { Flags } from '@oclif/core'
import type { Methods, ResetPlan, ResetSelection } from '../src/control/schema.js'
import { ControlClientError } from '../src/control/client.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { ExitCode } from '../src/cli/exit-codes.js'
import { renderFields } from '../src/cli/output.js'
import { confirmDestructive } from '../src/cli/prompt.js'

export type ResetResult = Methods['reset']['result'] & { all: boolean; store_dir: string | null; unreadable: string | null }

export default class Reset extends BaseCommand<typeof Reset> {
  static override summary = 'Clear stored state: sessions, retained messages, accounts, ACL rules, or all of it.'
  static override description = `Say what to clear: --sessions (every session with its queued and inflight messages and delayed wills; connected clients are disconnected with 0x98 and no will), --retained, --accounts, --acl (topic and IP rules), --settings (saved with config set --persist), several at once, or --all.

First shows what would be removed and how much (the selected kinds only), then asks to confirm on a terminal; without one (scripts, CI) or under --json, --yes is required (exit 64 otherwise). --dry-run only shows the plan.

With a broker running, the selection is cleared live and durably before the reply. With none, the data dir's store is changed directly. --all deletes the whole store directory (<data dir>/store): it needs the broker stopped, and works even on a damaged store that the broker refuses to open.

With --json: {plan: {sessions, retained, accounts, topic_rules, ip_rules, wills, settings}, done, live, all, store_dir, unreadable}.

Exit codes: 0 done (or declined, or a dry run), 64 nothing selected or not confirmed, 65 --all while a broker runs, 69 the store is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --retained',
    '<%= config.bin %> <%= command.id %> --sessions --retained --yes',
    '<%= config.bin %> <%= command.id %> --accounts --acl --dry-run',
    '<%= config.bin %> <%= command.id %> --all --data-dir /var/lib/mqttd',
  ]

  static override flags = {
    sessions: Flags.boolean({ summary: 'Every session, with its queued and inflight messages and delayed wills.' }),
    retained: Flags.boolean({ summary: 'Every retained message.' }),
    accounts: Flags.boolean({ summary: 'Every account.' }),
    acl: Flags.boolean({ summary: 'Every topic rule and IP rule.' }),
    settings: Flags.boolean({ summary: 'Settings saved with config set --persist (the config file applies again from the next start).' }),
    all: Flags.boolean({ summary: 'The whole store directory (broker stopped only); also a damaged one.', exclusive: ['sessions', 'retained', 'accounts', 'acl', 'settings'] }),
    'dry-run': Flags.boolean({ summary: 'Only show what would be removed.' }),
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation (required without a terminal and with --json).', env: 'MQTTCTL_YES' }),
  }

  async run (): Promise<ResetResult> {
    const { flags } = this
    const selection: ResetSelection = { sessions: flags.sessions, retained: flags.retained, accounts: flags.accounts, acl: flags.acl, settings: flags.settings }
    if (!flags.all && !Object.values(selection).some(Boolean)) {
      this.fail('say what to reset', ExitCode.Usage, 'USAGE', ['--sessions, --retained, --accounts, --acl, --settings (any of them), or --all'])
    }
    const control = await this.control().catch((err: unknown) => {
      if (err instanceof ControlClientError && err.kind === 'unavailable') return null
      throw err
    })
    if (control !== null) {
      if (flags.all) this.fail('reset --all deletes the store directory, which a running broker holds', ExitCode.DataError, 'BROKER_RUNNING', ['stop it first: mqttctl stop', 'or clear parts of it live: --sessions --retained --accounts --acl'])
      const { plan } = await control.request('reset', { ...selection, dry_run: true }, this.timeoutMs)
      const extra = { all: false, store_dir: null, unreadable: null }
      if (!await this.confirm(plan, null, 'on the running broker', selection)) return { plan, done: false, live: true, ...extra }
      const res = await control.request('reset', selection, this.timeoutMs)
      this.log(`reset done on the running broker: ${summary(res.plan, selection, false)}`)
      return { ...res, ...extra }
    }

    const { openOfflineReset } = await import('../src/cli/offline-reset.js')
    const offline = await openOfflineReset(await this.dataDir(), selection, flags.all)
    try {
      const plan = offline.plan ?? { sessions: 0, retained: 0, accounts: 0, topic_rules: 0, ip_rules: 0, wills: 0, settings: 0 }
      const extra = { live: false, all: flags.all, store_dir: offline.storeDir, unreadable: offline.unreadable }
      const where = flags.all ? `by deleting ${offline.storeDir}` : `in ${offline.storeDir} (no broker is running)`
      if (!await this.confirm(offline.plan, offline.unreadable, where, selection)) return { plan, done: false, ...extra }
      await offline.apply()
      this.log(flags.all ? `deleted ${offline.storeDir}: the next start begins with an empty store` : `reset done ${where}: ${summary(plan, selection, false)}`)
      return { plan, done: true, ...extra }
    } finally {
      await offline.close()
    }
  }

  /** Shows the plan (stderr-free under --json) and asks; false for --dry-run or a "no". */
  private async confirm (plan: ResetPlan | null, unreadable: string | null, where: string, selection: ResetSelection): Promise<boolean> {
    const all = this.flags.all
    if (!this.jsonEnabled()) {
      this.log(plan === null ? `the store cannot be read (${unreadable ?? 'unknown error'}): all of it will go` : renderFields(planFields(plan, selection, all)))
    }
    if (this.flags['dry-run']) return false
    const what = plan === null ? 'the whole store' : summary(plan, selection, all)
    return confirmDestructive({
      yes: this.flags.yes,
      json: this.jsonEnabled(),
      question: `Remove ${what} ${where}?`,
      refusal: `refusing to reset ${what}`,
    })
  }
}

/** What each selection flag clears, as lines of the plan. */
const PLAN_LINES: ReadonlyArray<[keyof ResetSelection, string, keyof ResetPlan]> = [
  ['sessions', 'sessions', 'sessions'],
  ['sessions', 'delayed wills', 'wills'],
  ['retained', 'retained messages', 'retained'],
  ['accounts', 'accounts', 'accounts'],
  ['acl', 'topic rules', 'topic_rules'],
  ['acl', 'IP rules', 'ip_rules'],
  ['settings', 'saved settings', 'settings'],
]

/** The plan's lines for what was selected (every kind for --all): a kind not asked for is not shown. */
function planFields (plan: ResetPlan, selection: ResetSelection, all: boolean): Array<[string, number]> {
  return PLAN_LINES.filter(([flag]) => all || selection[flag] === true).map(([, what, key]) => [what, plan[key]])
}

function summary (plan: ResetPlan, selection: ResetSelection, all: boolean): string {
  const parts = planFields(plan, selection, all).filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`)
  return parts.length === 0 ? 'nothing' : parts.join(', ')
}
