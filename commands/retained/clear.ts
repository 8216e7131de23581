import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { confirmDestructive } from '../../src/cli/prompt.js'

export type RetainedClearResult = Methods['retained.clear']['result']

const plural = (n: number): string => `${n} retained message${n === 1 ? '' : 's'}`

export default class RetainedClear extends BaseCommand<typeof RetainedClear> {
  static override summary = 'Delete the retained messages whose topics match a filter.'
  static override description = `First asks the broker how many retained messages match (a dry run), then, on a terminal, asks to confirm. Without a terminal (scripts, CI) or under --json, --yes is required: the command refuses with exit 64 otherwise, even when nothing matches, so a script behaves the same whatever the data. --dry-run only shows the count.

Prints "cleared N retained messages". With --json: {filter, matched, cleared} (cleared is 0 for --dry-run).

Exit codes: 0 done (or declined at the prompt), 64 not confirmed (pass --yes), 65 invalid topic filter, 69 broker not running.`

  static override examples = [
    "<%= config.bin %> <%= command.id %> 'sensors/old/#'",
    "<%= config.bin %> <%= command.id %> 'sensors/old/#' --dry-run",
    "<%= config.bin %> <%= command.id %> '#' --yes --json",
  ]

  static override args = {
    filter: Args.string({ required: true, description: 'Topic filter (wildcards + and # allowed; # is every retained message).' }),
  }

  static override flags = {
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation (required without a terminal and with --json).', env: 'MQTTCTL_YES' }),
    'dry-run': Flags.boolean({ summary: 'Only show how many retained messages match.' }),
  }

  async run (): Promise<RetainedClearResult> {
    const { filter } = this.args
    const control = await this.control()
    const plan = await control.request('retained.clear', { filter, dry_run: true }, this.timeoutMs)
    if (this.flags['dry-run']) {
      this.log(`would clear ${plural(plan.matched)} matching ${filter}`)
      return plan
    }
    const interactive = !this.flags.yes && !this.jsonEnabled() && process.stdin.isTTY === true
    if (interactive && plan.matched === 0) {
      this.log(`no retained messages match ${filter}`)
      return plan
    }
    const go = await confirmDestructive({
      yes: this.flags.yes,
      json: this.jsonEnabled(),
      question: `Clear ${plural(plan.matched)} matching ${filter}?`,
      refusal: `refusing to clear ${plural(plan.matched)} matching ${filter}`,
    })
    if (!go) {
      this.note('nothing cleared')
      return plan
    }
    const res = await control.request('retained.clear', { filter }, this.timeoutMs)
    this.log(`cleared ${plural(res.cleared)}`)
    return res
  }
}
