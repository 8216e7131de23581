/** How `account import` and `acl import` report what they did, and the frame bound of a live import. */
import type { ImportCounts } from '../control/schema.js'
import { MAX_FRAME } from '../control/schema.js'
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

/** `2 added, 1 updated, 0 unchanged, 0 deleted`. */
export function describeCounts (c: ImportCounts): string {
  return `${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted`
}

/** A live import is one control request: refuse (exit 65) one that would not fit in a frame. */
export function checkFrameSize (params: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(params))
  if (bytes > MAX_FRAME - 4096) {
    throw new CliFailure(`the import is ${bytes} bytes, more than one control request carries (${MAX_FRAME} bytes): split the file, or import with the broker stopped`, ExitCode.DataError, 'TOO_LARGE')
  }
}
