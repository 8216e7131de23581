/**
 * Admission: the episodes during which the broker does not take new connections, logged once per
 * episode rather than once per socket (a flood at the limit would otherwise write a line per
 * refused socket).
 *
 * An episode starts with the first socket refused at `max_connections`, or when the process runs
 * out of file descriptors (EMFILE/ENFILE from a listener's accept or from a metrics reading; libuv
 * then accepts and closes pending connections itself, so they cannot be counted one by one). It
 * ends with the next connection accepted. Counted: `connectionsRefused` (sockets refused at
 * `max_connections`) and `refusalEpisodes`.
 */
import type { Logger } from '../log.js'
import type { Counters } from '../metrics/counters.js'
import { isDescriptorExhaustion } from '../metrics/memory.js'

type Cause = 'max_connections' | 'descriptors'

interface Episode {
  cause: Cause
  since: number
  refused: number
}

export class Admission {
  private episode: Episode | null = null

  constructor (private readonly counters: Counters, private readonly log: Logger) {}

  /** A socket was refused because `limit` connections are open. */
  refusedAtLimit (limit: number): void {
    this.counters.connectionsRefused++
    const episode = this.episode ?? this.begin('max_connections', { max_connections: limit },
      `max_connections (${limit}) reached: new sockets are closed at once until connections close`)
    episode.refused++
  }

  /** An operation failed for lack of file descriptors (`where`: what failed). */
  descriptorsExhausted (err: NodeJS.ErrnoException, where: string): void {
    if (this.episode !== null) return
    this.begin('descriptors', { code: err.code, where },
      `out of file descriptors (${err.code} in ${where}): new connections are dropped until descriptors are free; lower max_connections or raise the limit (ulimit -n)`)
  }

  /** A listener's accept failed (an error its server reported after binding). */
  acceptFailed (err: NodeJS.ErrnoException, listener: string): void {
    if (isDescriptorExhaustion(err)) this.descriptorsExhausted(err, `accept on ${listener}`)
    else this.log.debug({ err, listener }, 'accept failed')
  }

  /** A connection was accepted: ends the episode under way, if any. */
  admitted (): void {
    const episode = this.episode
    if (episode === null) return
    this.episode = null
    this.log.info({ cause: episode.cause, refused: episode.refused, seconds: Math.round((Date.now() - episode.since) / 1000) },
      'accepting connections again')
  }

  private begin (cause: Cause, fields: Record<string, unknown>, message: string): Episode {
    this.counters.refusalEpisodes++
    this.episode = { cause, since: Date.now(), refused: 0 }
    this.log.warn({ cause, ...fields }, message)
    return this.episode
  }
}
