/**
 * Trie of subscription topic filters, used to find the subscribers of a
 * published topic.
 *
 * Each node stands for one filter level. Literal levels live in a `Map`
 * keyed by the level text; the `+` and `#` children are kept in dedicated
 * fields so matching never has to look them up. A node that terminates at
 * least one filter holds a `Map<key, T>` (key = client id, share group, ...)
 * and the filter string itself.
 *
 * `match` splits the topic once and walks the trie depth-first: at every
 * level it follows the exact child and the `+` child, and reports the `#`
 * child (which also matches the parent level). Its cost is O(depth of the
 * topic × matching branches + matched entries), independent of the number of
 * unrelated subscriptions. Filters are assumed valid (see `protocol/topic`).
 * `remove` prunes nodes left empty, so memory follows the live subscriptions.
 */

const DOLLAR = 0x24

class FilterNode<T> {
  children: Map<string, FilterNode<T>> | undefined
  plus: FilterNode<T> | undefined
  hash: FilterNode<T> | undefined
  values: Map<string, T> | undefined
  filter = ''

  constructor (
    readonly parent: FilterNode<T> | undefined,
    readonly level: string
  ) {}

  isEmpty (): boolean {
    return this.values === undefined && this.children === undefined && this.plus === undefined && this.hash === undefined
  }
}

/** Subscription filters mapped to per-owner values, matched against topic names. */
export class TopicTree<T> {
  private readonly root = new FilterNode<T>(undefined, '')
  private entryCount = 0
  private filters = 0
  private nodes = 1

  /** Number of (filter, key) entries. */
  get size (): number {
    return this.entryCount
  }

  /** Number of distinct filters holding at least one entry. */
  get filterCount (): number {
    return this.filters
  }

  /** Number of trie nodes, root included; 1 when the tree is empty. */
  get nodeCount (): number {
    return this.nodes
  }

  /** Stores `value` for (filter, key); true when the pair is new, false when it replaced a value. */
  add (filter: string, key: string, value: T): boolean {
    let node = this.root
    for (const level of filter.split('/')) node = this.childFor(node, level)
    if (node.values === undefined) {
      node.values = new Map()
      node.filter = filter
      this.filters++
    }
    const isNew = !node.values.has(key)
    node.values.set(key, value)
    if (isNew) this.entryCount++
    return isNew
  }

  /** The value stored for (filter, key), if any. */
  get (filter: string, key: string): T | undefined {
    return this.find(filter)?.values?.get(key)
  }

  /** Deletes (filter, key) and returns its value, pruning nodes left empty. */
  remove (filter: string, key: string): T | undefined {
    const node = this.find(filter)
    const values = node?.values
    if (node === undefined || values === undefined || !values.has(key)) return undefined
    const value = values.get(key) as T
    values.delete(key)
    this.entryCount--
    if (values.size === 0) {
      node.values = undefined
      node.filter = ''
      this.filters--
      this.prune(node)
    }
    return value
  }

  /** Calls `visit` once for every (filter, key) entry whose filter matches the topic name `topic`. */
  match (topic: string, visit: (value: T, key: string, filter: string) => void): void {
    const levels = topic.split('/')
    const root = this.root
    // [MQTT-4.7.2-1] topics starting with '$' are not matched by a leading '+' or '#'
    if (topic.charCodeAt(0) !== DOLLAR) {
      if (root.hash !== undefined) emit(root.hash, visit)
      if (root.plus !== undefined) this.matchFrom(root.plus, levels, 1, visit)
    }
    const exact = root.children?.get(levels[0])
    if (exact !== undefined) this.matchFrom(exact, levels, 1, visit)
  }

  /** Every (filter, key, value) entry, in no particular order. */
  * entries (): IterableIterator<[filter: string, key: string, value: T]> {
    const stack: FilterNode<T>[] = [this.root]
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (node.values !== undefined) {
        for (const [key, value] of node.values) yield [node.filter, key, value]
      }
      if (node.children !== undefined) for (const child of node.children.values()) stack.push(child)
      if (node.plus !== undefined) stack.push(node.plus)
      if (node.hash !== undefined) stack.push(node.hash)
    }
  }

  /** Visits the entries below `node`, which matched `levels[0 .. depth - 1]`. */
  private matchFrom (
    node: FilterNode<T>,
    levels: string[],
    depth: number,
    visit: (value: T, key: string, filter: string) => void
  ): void {
    // [MQTT-4.7.1-2] '#' matches the parent level as well as any child levels
    if (node.hash !== undefined) emit(node.hash, visit)
    if (depth === levels.length) {
      emit(node, visit)
      return
    }
    const exact = node.children?.get(levels[depth])
    if (exact !== undefined) this.matchFrom(exact, levels, depth + 1, visit)
    if (node.plus !== undefined) this.matchFrom(node.plus, levels, depth + 1, visit)
  }

  private childFor (node: FilterNode<T>, level: string): FilterNode<T> {
    if (level === '+') return (node.plus ??= this.newNode(node, level))
    if (level === '#') return (node.hash ??= this.newNode(node, level))
    node.children ??= new Map()
    let child = node.children.get(level)
    if (child === undefined) {
      child = this.newNode(node, level)
      node.children.set(level, child)
    }
    return child
  }

  private newNode (parent: FilterNode<T>, level: string): FilterNode<T> {
    this.nodes++
    return new FilterNode(parent, level)
  }

  private find (filter: string): FilterNode<T> | undefined {
    let node: FilterNode<T> | undefined = this.root
    for (const level of filter.split('/')) {
      if (level === '+') node = node.plus
      else if (level === '#') node = node.hash
      else node = node.children?.get(level)
      if (node === undefined) return undefined
    }
    return node
  }

  /** Detaches `node` and its ancestors while they hold nothing. */
  private prune (node: FilterNode<T>): void {
    for (let parent = node.parent; parent !== undefined && node.isEmpty(); parent = node.parent) {
      if (node.level === '+') parent.plus = undefined
      else if (node.level === '#') parent.hash = undefined
      else {
        parent.children?.delete(node.level)
        if (parent.children?.size === 0) parent.children = undefined
      }
      this.nodes--
      node = parent
    }
  }
}

function emit<T> (node: FilterNode<T>, visit: (value: T, key: string, filter: string) => void): void {
  const values = node.values
  if (values === undefined) return
  const filter = node.filter
  for (const [key, value] of values) visit(value, key, filter)
}
