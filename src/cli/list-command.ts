/**
 * ListCommand: BaseCommand for list commands. Declare `...listFlags()` in the command's flags,
 * then `this.page(items, FIELDS)` applies --filter, --sort and --limit (src/cli/filter.ts), and
 * `this.truncationNote(page, noun)` prints the "showing N of M" footer on stderr.
 */
import type { Command } from '@oclif/core'
import { BaseCommand } from './base-command.js'
import { applyListQuery, normalizeSortArgv, parseListQuery, truncationNote, type ListPage } from './filter.js'

export abstract class ListCommand<T extends typeof Command> extends BaseCommand<T> {
  public override async init (): Promise<void> {
    this.argv = normalizeSortArgv(this.argv)
    await super.init()
  }

  /** The list flags as parsed; throws CliFailure (64) on a bad expression or unknown field. */
  protected listQuery (fields: readonly string[]): ReturnType<typeof parseListQuery> {
    return parseListQuery(this.flags as { filter?: string[]; sort?: string; limit?: number }, fields)
  }

  protected page<R extends object> (rows: readonly R[], query: ReturnType<typeof parseListQuery>): ListPage<R> {
    return applyListQuery(rows, query)
  }

  /** On stderr, when rows were left out: `showing 10 of 42 clients (…)`. */
  protected noteTruncation (page: ListPage<unknown>, noun: string): void {
    if (page.truncated) this.note(truncationNote(page, noun))
  }
}
