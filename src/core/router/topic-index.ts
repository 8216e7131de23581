/**
 * Trie of concrete topic names holding one value each (retained messages),
 * queried with a topic filter.
 *
 * Each node stands for one topic level; a node that terminates a stored topic
 * holds the value and the full topic string, so matching never rebuilds
 * names. `match` splits the filter once and walks it level by level: a
 * literal level follows one child, `+` fans out over the children of the
 * current node, and `#` reports the current node and its whole subtree. The
 * cost is proportional to the part of the trie the filter selects, not to the
 * size of the index (a leading `#` selects everything). `delete` prunes nodes
 * left empty, so memory follows the stored topics.
 */

const DOLLAR = 0x24

class TopicNode<T> {
  children: Map<string, TopicNode<T>> | undefined
  hasValue = false
  value: T | undefined
  topic = ''

  constructor (
    readonly parent: TopicNode<T> | undefined,
    readonly level: string
  ) {}
}

/** Values stored under concrete topic names, looked up by topic filter. */
export class TopicIndex<T> {
  private readonly root = new TopicNode<T>(undefined, '')
  private valueCount = 0
  private nodes = 1

  /** Number of stored topics. */
  get size (): number {
    return this.valueCount
  }

  /** Number of trie nodes, root included; 1 when the index is empty. */
  get nodeCount (): number {
    return this.nodes
  }

  /** Stores `value` under `topic`, replacing any previous value. */
  set (topic: string, value: T): void {
    let node = this.root
    for (const level of topic.split('/')) {
      node.children ??= new Map()
      let child = node.children.get(level)
      if (child === undefined) {
        child = new TopicNode(node, level)
        node.children.set(level, child)
        this.nodes++
      }
      node = child
    }
    if (!node.hasValue) {
      node.hasValue = true
      node.topic = topic
      this.valueCount++
    }
    node.value = value
  }

  /** The value stored under `topic`, if any. */
  get (topic: string): T | undefined {
    return this.find(topic)?.value
  }

  /** Removes the value stored under `topic`; true when there was one. */
  delete (topic: string): boolean {
    let node = this.find(topic)
    if (node === undefined || !node.hasValue) return false
    node.hasValue = false
    node.value = undefined
    node.topic = ''
    this.valueCount--
    for (let parent = node.parent; parent !== undefined && !node.hasValue && node.children === undefined; parent = node.parent) {
      parent.children?.delete(node.level)
      if (parent.children?.size === 0) parent.children = undefined
      this.nodes--
      node = parent
    }
    return true
  }

  /** Calls `visit` for every stored topic matched by the (valid) topic filter `filter`. */
  match (filter: string, visit: (topic: string, value: T) => void): void {
    this.matchFrom(this.root, filter.split('/'), 0, visit)
  }

  /** Every (topic, value) pair, in no particular order. */
  * entries (): IterableIterator<[topic: string, value: T]> {
    const stack: TopicNode<T>[] = [this.root]
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (node.hasValue) yield [node.topic, node.value as T]
      if (node.children !== undefined) for (const child of node.children.values()) stack.push(child)
    }
  }

  /** Visits the stored topics below `node`, which matched `levels[0 .. depth - 1]`. */
  private matchFrom (node: TopicNode<T>, levels: string[], depth: number, visit: (topic: string, value: T) => void): void {
    if (depth === levels.length) {
      if (node.hasValue) visit(node.topic, node.value as T)
      return
    }
    const level = levels[depth]
    if (level === '#') {
      // [MQTT-4.7.1-2] '#' matches the parent level as well as any child levels
      if (depth > 0) {
        visitSubtree(node, visit)
        return
      }
      if (node.children === undefined) return
      for (const child of node.children.values()) {
        // [MQTT-4.7.2-1] a leading wildcard does not match topics beginning with '$'
        if (child.level.charCodeAt(0) !== DOLLAR) visitSubtree(child, visit)
      }
      return
    }
    if (level === '+') {
      if (node.children === undefined) return
      for (const child of node.children.values()) {
        // [MQTT-4.7.2-1] a leading wildcard does not match topics beginning with '$'
        if (depth > 0 || child.level.charCodeAt(0) !== DOLLAR) this.matchFrom(child, levels, depth + 1, visit)
      }
      return
    }
    const exact = node.children?.get(level)
    if (exact !== undefined) this.matchFrom(exact, levels, depth + 1, visit)
  }

  private find (topic: string): TopicNode<T> | undefined {
    let node: TopicNode<T> | undefined = this.root
    for (const level of topic.split('/')) {
      node = node.children?.get(level)
      if (node === undefined) return undefined
    }
    return node
  }
}

/**
 * Visits `node` and everything below it. Children are walked with Map#forEach (a builtin, fast
 * even before the JIT has optimized this code: a first `#` subscription on a fresh broker walks
 * every retained topic once), carrying `visit` as forEach's `this`.
 */
function visitSubtree<T> (node: TopicNode<T>, visit: (topic: string, value: T) => void): void {
  if (node.hasValue) visit(node.topic, node.value as T)
  node.children?.forEach(visitChild, visit)
}

function visitChild<T> (this: (topic: string, value: T) => void, child: TopicNode<T>): void {
  visitSubtree(child, this)
}
