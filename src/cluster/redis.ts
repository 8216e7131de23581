/**
 * RedisLink: the cluster's connections to Redis, and the only module that imports the Redis client
 * library (node-redis core, `@redis/client`).
 *
 * - `command(args)` sends one raw command on the shared connection. Commands issued in the same
 *   tick leave in one write (node-redis pipelines automatically), so the per-tick batches of the
 *   cluster cost one round trip, not one per command. While Redis is unreachable a command fails at
 *   once (no offline queue): the caller decides whether to retry (QoS 1/2) or drop (QoS 0).
 * - `script(lua, keys, args)` runs a Lua script by its SHA1 (EVALSHA), loading it on NOSCRIPT.
 * - `binaryCommand(args)` is `command` with bulk replies as Buffers (values that are bytes).
 * - `blocking()` opens a connection of its own for one blocking reader (XREAD/XREADGROUP BLOCK),
 *   whose bulk replies are Buffers (message payloads are bytes, not text).
 *
 * The first connection fails fast (start-up reports Redis unreachable); once connected, a lost
 * connection is retried with a backoff of at most 2 s, and the link's up/down transitions are
 * logged once each, never per failed command.
 */
import { createHash } from 'node:crypto'
import { createClient, ErrorReply, RESP_TYPES } from '@redis/client'
import type { Logger } from '../log.js'
import { redactUrl } from '../config/redact.js'

/** A reply as node-redis decodes RESP2: strings (or Buffers on a blocking link), numbers, arrays, null. */
export type Reply = string | Buffer | number | null | Reply[]

const MAX_BACKOFF_MS = 2000
const CONNECT_TIMEOUT_MS = 5000

/** A client speaking RESP2 (flat arrays: what the scripts and stream readers here parse). */
function makeClient (url: string, reconnect: (retries: number, cause: Error) => number | Error) {
  return createClient({
    url,
    RESP: 2,
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnect },
  })
}

type Client = ReturnType<typeof makeClient>

/** One connection: the shared command connection or a blocking reader's. */
export interface RedisConnection {
  command (args: readonly (string | Buffer)[]): Promise<Reply>
  close (): Promise<void>
}

export class RedisLink implements RedisConnection {
  private readonly client: Client
  private readonly shas = new Map<string, string>()
  private readonly readers: Client[] = []
  private up = false
  private everUp = false
  private closed = false
  /** Called when the shared connection comes back after being lost. */
  onReconnect: () => void = () => {}

  constructor (private readonly url: string, private readonly log: Logger) {
    this.client = this.newClient('commands')
    this.client.on('ready', () => {
      const again = this.everUp
      this.everUp = true
      if (!this.up) {
        this.up = true
        if (again) {
          this.log.info({ redis: redactUrl(this.url) }, 'Redis is reachable again')
          this.onReconnect()
        }
      }
    })
  }

  /** True while the shared connection is ready. */
  get reachable (): boolean {
    return this.up
  }

  private newClient (role: string): Client {
    // Before the first connection a failure is final (start-up reports it); after it, retry.
    const client = makeClient(this.url, (retries, cause) => this.everUp && !this.closed ? Math.min(50 * 2 ** retries, MAX_BACKOFF_MS) : cause)
    client.on('error', (err: unknown) => {
      if (role !== 'commands' || !this.up || this.closed) return
      this.up = false
      this.log.warn({ redis: redactUrl(this.url), reason: err instanceof Error ? err.message : String(err) }, 'Redis is unreachable: retrying')
    })
    return client
  }

  /** Connects the shared connection; rejects when Redis cannot be reached. */
  async connect (): Promise<void> {
    await this.client.connect()
  }

  command (args: readonly (string | Buffer)[]): Promise<Reply> {
    return this.client.sendCommand(args) as Promise<Reply>
  }

  /**
   * Sends one raw command on the shared connection (in order with `command` and `script`) whose
   * bulk replies are Buffers: values that are bytes (retained messages).
   */
  binaryCommand (args: readonly (string | Buffer)[]): Promise<Reply> {
    return this.client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).sendCommand(args) as Promise<Reply>
  }

  /** Runs `lua` with `keys` and `args` (EVALSHA, falling back to EVAL once when Redis lacks the script). */
  async script (lua: string, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<Reply> {
    let sha = this.shas.get(lua)
    if (sha === undefined) {
      sha = createHash('sha1').update(lua).digest('hex')
      this.shas.set(lua, sha)
    }
    const tail = [String(keys.length), ...keys, ...args]
    try {
      return await this.command(['EVALSHA', sha, ...tail])
    } catch (err) {
      if (!(err instanceof ErrorReply) || !err.message.startsWith('NOSCRIPT')) throw err
      return await this.command(['EVAL', lua, ...tail])
    }
  }

  /** A connection of its own for one blocking reader; bulk replies arrive as Buffers. */
  async blocking (): Promise<RedisConnection> {
    const client = this.newClient('reader')
    this.readers.push(client)
    await client.connect()
    const binary = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
    return {
      command: (args) => binary.sendCommand(args) as Promise<Reply>,
      close: async () => {
        const i = this.readers.indexOf(client)
        if (i >= 0) this.readers.splice(i, 1)
        // a blocked command would hold close() until it returns: drop the socket instead
        if (client.isOpen) client.destroy()
      },
    }
  }

  /** Closes every connection (pending replies of the shared one are awaited). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const reader of this.readers.splice(0)) if (reader.isOpen) reader.destroy()
    if (!this.client.isOpen) return
    try {
      await this.client.close()
    } catch {
      this.client.destroy()
    }
  }
}

/** True when `err` is an error reply from Redis (not a lost connection). */
export function isErrorReply (err: unknown): boolean {
  return err instanceof ErrorReply
}
