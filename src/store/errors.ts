/**
 * StoreError: a store that cannot be used. Two codes:
 *
 * - `BRK_ERR_STORE_CORRUPT`: the data is damaged (the database reports corruption, a file is missing
 *   or truncated, a value does not decode). Nothing is deleted: the message names the directory
 *   and the way out, and the broker must refuse to start rather than wipe or crash-loop.
 * - `BRK_ERR_STORE_UNAVAILABLE`: the store cannot be reached or written (locked by another process,
 *   permission denied, disk full or an I/O error on commit, a layout written by a newer version).
 *
 * Both are BrokerErrors: internal failures carry a code and a cause.
 */
import type { ErrorCodeOf } from '../errors/catalog.js'
import { BrokerError } from '../protocol/errors.js'

/** `BRK_ERR_STORE_CORRUPT` | `BRK_ERR_STORE_UNAVAILABLE`: the catalog's store codes. */
export type StoreErrorCode = ErrorCodeOf<'store'>

export class StoreError extends BrokerError {
  declare readonly code: StoreErrorCode

  constructor (
    code: StoreErrorCode,
    /** The store's directory. */
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
    /** Unavailable only because another process holds the database (it may let go soon). */
    readonly locked = false
  ) {
    super(code, message, options)
  }

  /**
   * Damaged data. `detail` says what is wrong; `repair` is the command that repairs in place, when
   * the database offers one.
   */
  static corrupt (dir: string, detail: string, repair: string | undefined, cause?: unknown): StoreError {
    const ways = [
      ...(repair === undefined ? [] : [`repair it in place, keeping every record that can still be read: ${repair}`]),
      'start with an empty store: `mqttctl reset --all` (deletes all stored state)',
    ]
    return new StoreError('BRK_ERR_STORE_CORRUPT', dir,
      `the store in ${dir} is corrupt: ${detail}. The broker deleted nothing. ` +
      `Keep a copy of ${dir}, then either ${ways.join(', or ')}.`,
      cause === undefined ? undefined : { cause })
  }

  /**
   * Acknowledged data was lost to a damaged write-ahead log (store/wal-guard.ts): refused until the
   * operator accepts the loss or restores a backup.
   */
  static lost (dir: string, damage: { found_at: string; detail: string; kept_in: string | null }, repair: string): StoreError {
    return new StoreError('BRK_ERR_STORE_CORRUPT', dir,
      `the store in ${dir} lost data that had been acknowledged (found ${damage.found_at}): ${damage.detail}. ` +
      (damage.kept_in === null ? '' : `The damaged log is kept in ${damage.kept_in}. `) +
      `Either restore the data dir from a backup, or start with what is left: ${repair.replace('store repair', 'store repair --accept-loss')}.`)
  }

  /** Another process has the database open (a broker, or mqttctl working on a stopped broker's data dir). */
  static locked (dir: string, detail: string, cause?: unknown): StoreError {
    return new StoreError('BRK_ERR_STORE_UNAVAILABLE', dir, `the store in ${dir} is unavailable: ${detail}`,
      cause === undefined ? undefined : { cause }, true)
  }

  static unavailable (dir: string, detail: string, cause?: unknown): StoreError {
    return new StoreError('BRK_ERR_STORE_UNAVAILABLE', dir, `the store in ${dir} is unavailable: ${detail}`,
      cause === undefined ? undefined : { cause })
  }
}
