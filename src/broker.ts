/**
 * Broker: the process-level object. Owns the listeners and the MQTT engine (src/core/engine.ts).
 *
 * `start()` opens the Store and restores its state, then binds every configured listener (all or
 * nothing: if one fails, those already bound are closed and the error propagates with the listener
 * named); `close()` stops accepting, sends v5 clients DISCONNECT 0x8B, closes every connection,
 * flushes and closes the Store.
 */
import { createRequire } from 'node:module'
import type { Config, ListenerType } from './config/types.js'
import { Engine } from './core/engine.js'
import type { Logger } from './log.js'
import { createStore } from './store/create.js'
import type { Store } from './store/store.js'
import { type RunningListener, openListener } from './transport/listener.js'

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string }

/** A bound listener as reported to operators. */
export interface ListenerInfo {
  type: ListenerType
  host: string
  port: number
  path?: string
}

export class Broker {
  readonly version: string = pkg.version
  readonly engine: Engine
  private running: RunningListener[] = []
  private closing: Promise<void> | null = null

  /** `deps.store` replaces the backend named in the config (tests restart a broker on one store). */
  constructor (readonly config: Config, deps: { logger: Logger; store?: Store }) {
    this.engine = new Engine(config, deps.logger, deps.store ?? createStore(config))
  }

  /** Restores stored state, binds all listeners and starts the engine's timers. */
  async start (): Promise<void> {
    await this.engine.store.open()
    await this.engine.restore()
    this.engine.start()
    try {
      for (const listener of this.config.listeners) {
        this.running.push(await openListener(listener, (stream, info) => { this.engine.accept(stream, info) }))
      }
    } catch (err) {
      await Promise.all(this.running.map((l) => l.close()))
      this.running = []
      throw err
    }
  }

  /** The listeners actually bound (ports resolved when configured as 0). */
  get listeners (): ListenerInfo[] {
    return this.running.map((l) => ({
      type: l.config.type,
      host: l.host,
      port: l.port,
      ...(l.config.type === 'ws' || l.config.type === 'wss' ? { path: l.config.path } : {}),
    }))
  }

  /** Graceful stop; safe to call more than once. */
  close (): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.running.map((l) => l.close()))
      await this.engine.shutdown()
      await this.engine.store.flush()
      await this.engine.store.close()
    })()
    return this.closing
  }
}
