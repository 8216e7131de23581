/**
 * Requests between nodes: `request(node, method, params)` appends a `req` entry to the node's
 * inbox and resolves with the `res` entry that comes back into this node's inbox; `serve(method,
 * handler)` answers the requests of other nodes. Session takeover and the cluster-wide operator
 * commands go through here. A request rejects with ClusterRequestError when the node is not live,
 * its handler failed, it did not answer in time, or it left before answering.
 */

/** Answers a request another node sent (`serve`); what it returns (JSON) goes back. */
export type RequestHandler = (params: unknown, from: string) => unknown

/** A request another node could not answer: no such node, it failed, or no answer in time. */
export class ClusterRequestError extends Error {
  override readonly name = 'ClusterRequestError'
  constructor (message: string, readonly reason: 'unknown-node' | 'failed' | 'timeout') {
    super(message)
  }
}

/** A request to another node that waits for its answer. */
interface PendingRequest {
  readonly node: string
  readonly resolve: (value: unknown) => void
  readonly reject: (err: Error) => void
  readonly timer: NodeJS.Timeout
}

/** What the requests need of the cluster around them. */
export interface RequestsHost {
  readonly selfName: string
  readonly incarnation: number
  /** True when `name` is a live node other than this one. */
  isPeer (name: string): boolean
  /** Appends an entry with `fields` to the inbox of `node`. */
  sendToInbox (node: string, fields: (string | Buffer)[]): Promise<unknown>
}

export class Requests {
  private readonly handlers = new Map<string, RequestHandler>()
  private readonly pending = new Map<string, PendingRequest>()
  private seq = 0

  constructor (private readonly host: RequestsHost) {}

  /** Answers requests `method` from other nodes with `handler` (one handler per method). */
  serve (method: string, handler: RequestHandler): void {
    this.handlers.set(method, handler)
  }

  request (node: string, method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (!this.host.isPeer(node)) return Promise.reject(new ClusterRequestError(`no live node "${node}" in the cluster`, 'unknown-node'))
    const id = `${this.host.incarnation}.${++this.seq}`
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new ClusterRequestError(`node "${node}" did not answer ${method} within ${timeoutMs} ms`, 'timeout'))
      }, timeoutMs)
      timer.unref()
      this.pending.set(id, { node, resolve, reject, timer })
      this.host.sendToInbox(node, ['k', 'req', 'n', this.host.selfName, 'q', id, 'm', method, 'p', JSON.stringify(params ?? null)]).catch((err: unknown) => {
        clearTimeout(timer)
        this.pending.delete(id)
        reject(new ClusterRequestError(`cannot reach node "${node}": ${err instanceof Error ? err.message : String(err)}`, 'failed'))
      })
    })
  }

  /** A `req` entry from another node: runs its handler and sends the answer (or the error) back. */
  async answer (f: Readonly<Record<string, string>>): Promise<void> {
    const from = f.n
    const id = f.q
    if (from === undefined || id === undefined) return
    const handler = f.m === undefined ? undefined : this.handlers.get(f.m)
    let reply: string[]
    try {
      if (handler === undefined) throw new Error(`this node has no handler for ${f.m ?? '?'}`)
      const result = await handler(JSON.parse(f.p ?? 'null'), from)
      reply = ['r', JSON.stringify(result ?? null)]
    } catch (err) {
      reply = ['e', err instanceof Error ? err.message : String(err)]
    }
    await this.host.sendToInbox(from, ['k', 'res', 'n', this.host.selfName, 'q', id, ...reply]).catch(() => undefined)
  }

  /** A `res` entry: the answer to one of this node's requests. */
  answered (f: Readonly<Record<string, string>>): void {
    const pending = f.q === undefined ? undefined : this.pending.get(f.q)
    if (pending === undefined) return
    this.pending.delete(f.q as string)
    clearTimeout(pending.timer)
    if (f.e !== undefined) pending.reject(new ClusterRequestError(f.e, 'failed'))
    else pending.resolve(JSON.parse(f.r ?? 'null'))
  }

  /** Node `name` left: its unanswered requests fail. */
  nodeGone (name: string): void {
    for (const [id, p] of this.pending) {
      if (p.node !== name) continue
      this.pending.delete(id)
      clearTimeout(p.timer)
      p.reject(new ClusterRequestError(`node "${name}" left the cluster before answering`, 'failed'))
    }
  }

  /** This node leaves: every unanswered request fails. */
  close (): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(new ClusterRequestError('this node is leaving the cluster', 'failed'))
    }
    this.pending.clear()
  }
}
