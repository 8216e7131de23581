/**
 * A view is the body of a read-only command without oclif: it asks the broker, applies the list
 * flags, and prints (or, under --json, returns) the result. The oclif command (commands/…) runs it
 * through BaseCommand.view(); the fast lane (src/cli/fast-lane.ts) runs the same function before
 * oclif is loaded, so that both ways print the same bytes.
 */
import type { MethodName, Methods } from '../../control/schema.js'
import type { ExitCodeValue } from '../exit-codes.js'
import { applyListQuery, parseListQuery, truncationNote, type ListPage } from '../filter.js'

export interface ViewIo<F> {
  /** The command's flags, parsed (defaults applied). */
  readonly flags: F
  /** Its positional arguments by name. */
  readonly args: Readonly<Record<string, string | undefined>>
  /** --json: return the result and print nothing (the caller prints it). */
  readonly json: boolean
  /** A control request: to the running broker, or for account/acl views possibly the stopped data dir. */
  request<M extends MethodName> (method: M, params: Methods[M]['params']): Promise<Methods[M]['result']>
  /** A line of data on stdout. */
  log (text: string): void
  /** A line for the human on stderr (not under --json). */
  note (text: string): void
}

export type View<F, R> = (io: ViewIo<F>) => Promise<R>

/** A view's own failure (an unknown key…): BaseCommand reports it with its exit code. */
export class ViewFailure extends Error {
  override readonly name = 'ViewFailure'
  constructor (message: string, readonly exitCode: ExitCodeValue, readonly code: string, readonly suggestions?: string[]) {
    super(message)
  }
}

/** The flags of every list view (src/cli/list-command.ts declares them for oclif). */
export interface ListFlags {
  filter?: string[] | undefined
  sort?: string | undefined
  limit?: number | undefined
}

/** A page of a list made across the nodes of a cluster: `unreachable` names the nodes whose rows are missing. */
export type NodeListPage<R> = ListPage<R> & { unreachable: string[] }

/**
 * What list views share: parse the list flags first (a bad one fails before the broker is asked),
 * fetch the rows, filter/sort/cut them; under --json return the page, else let `render` print it
 * (with the "showing N of M" note when rows were cut) or print `empty(total)` when nothing is left.
 * The rows of a list made across nodes are filtered, sorted and cut together; the nodes that did
 * not answer are said on stderr and kept in the page (`unreachable`).
 */
export async function listView<F extends ListFlags, R extends object> (
  io: ViewIo<F>,
  spec: {
    fields: readonly string[]
    noun: string
    fetch: () => Promise<{ items: R[]; total: number; unreachable: string[] }>
    empty: (total: number) => string | Promise<string>
    render: (rows: R[]) => string
  }
): Promise<NodeListPage<R>>
export async function listView<F extends ListFlags, R extends object> (
  io: ViewIo<F>,
  spec: {
    fields: readonly string[]
    noun: string
    fetch: () => Promise<{ items: R[]; total: number }>
    empty: (total: number) => string | Promise<string>
    render: (rows: R[]) => string
  }
): Promise<ListPage<R>>
export async function listView<F extends ListFlags, R extends object> (
  io: ViewIo<F>,
  spec: {
    fields: readonly string[]
    noun: string
    fetch: () => Promise<{ items: R[]; total: number; unreachable?: string[] }>
    empty: (total: number) => string | Promise<string>
    render: (rows: R[]) => string
  }
): Promise<ListPage<R>> {
  const query = parseListQuery(io.flags, spec.fields)
  const result = await spec.fetch()
  const unreachable = result.unreachable
  const page = unreachable === undefined ? applyListQuery(result.items, query) : { ...applyListQuery(result.items, query), unreachable }
  if (unreachable !== undefined && unreachable.length > 0) {
    io.note(`no answer in time from node${unreachable.length === 1 ? '' : 's'} ${unreachable.join(', ')}: ${unreachable.length === 1 ? 'its' : 'their'} ${spec.noun} are missing`)
  }
  if (io.json) return page
  if (page.items.length === 0) {
    io.note(await spec.empty(result.total))
    return page
  }
  io.log(spec.render(page.items))
  if (page.truncated) io.note(truncationNote(page, spec.noun))
  return page
}
