/**
 * ListCommand: BaseCommand for list commands. Declare `...listFlags()` in the command's flags; the
 * command's view (src/cli/views/) applies them with src/cli/filter.ts. `-FIELD` values of `--sort`
 * are rewritten before oclif parses them (normalizeSortArgv).
 */
import { Flags, type Command } from '@oclif/core'
import { BaseCommand } from './base-command.js'
import { DEFAULT_LIMIT, normalizeSortArgv } from './filter.js'

/** `--filter`, `--sort` and `--limit` for a list command; `defaultSort` is its natural order. */
export function listFlags (opts: { defaultSort?: string } = {}) {
  return {
    filter: Flags.string({
      summary: 'Keep rows where FIELD=VALUE (also !=, ~regex, !~regex, >, >=, <, <=). Repeatable; all must hold.',
      helpValue: 'FIELD=VALUE',
      multiple: true,
      multipleNonGreedy: true,
      helpGroup: 'TABLE',
    }),
    sort: Flags.string({
      summary: 'Sort by these fields, comma-separated; -FIELD (or FIELD:desc) sorts descending.',
      helpValue: '[-]FIELD',
      helpGroup: 'TABLE',
      ...(opts.defaultSort === undefined ? {} : { default: opts.defaultSort }),
    }),
    limit: Flags.integer({
      summary: 'Show at most N rows (0: all); a note on stderr says when rows were left out.',
      default: DEFAULT_LIMIT,
      min: 0,
      helpGroup: 'TABLE',
    }),
  }
}

export abstract class ListCommand<T extends typeof Command> extends BaseCommand<T> {
  public override async init (): Promise<void> {
    this.argv = normalizeSortArgv(this.argv)
    await super.init()
  }
}
