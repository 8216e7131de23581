/**
 * mqttctl's exit codes (sysexits), in one place; the README lists them.
 * `status` follows LSB instead (0 running, 1 dead with a pid file left, 3 stopped).
 */
export const ExitCode = {
  Ok: 0,
  /** A predicate was false (`account test`, `acl check`). */
  False: 1,
  Usage: 64,
  /** Bad data or not found. */
  DataError: 65,
  /** No such account (EX_NOUSER): `account del/passwd/test` of a missing user. */
  NoUser: 67,
  /** No broker answers on the control socket. */
  Unavailable: 69,
  Internal: 70,
  /** stdout cannot be written (EX_IOERR): a full disk, an I/O error; not a reader that left (EPIPE: 0). */
  IoError: 74,
  Timeout: 75,
  /** The broker speaks another control protocol version. */
  Protocol: 76,
  Permission: 77,
  Config: 78,
  Interrupted: 130,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** LSB exit codes of `mqttctl status`. */
export const StatusExit = { Running: 0, DeadWithPidFile: 1, Stopped: 3, Unknown: 4 } as const
