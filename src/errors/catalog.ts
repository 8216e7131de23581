/**
 * The error catalog: every error code the broker, its store, the control channel and mqttctl
 * report, with the exit code it ends a process with and a one-line meaning. The one place a code
 * is added: `toCliError` (src/cli/base-command.ts) maps a control error through it, src/main.ts
 * maps a start-up failure through it, the control channel's codes (ControlErrorCode in
 * src/control/schema.ts) and the BrokerError codes (src/protocol/errors.ts, src/store/errors.ts)
 * are typed as codes of it. The exit codes are sysexits (README, "Exit codes").
 */

/** Exit codes of mqttctl and of the broker process (sysexits). */
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

/** Who reports a code: the broker process, its store, the control channel, or mqttctl itself. */
export type ErrorOrigin = 'broker' | 'store' | 'control' | 'cli'

export interface ErrorEntry {
  readonly origin: ErrorOrigin
  /** The exit code; null where the one raising it decides (the code is then generic). */
  readonly exit: ExitCodeValue | null
  readonly meaning: string
}

const E = ExitCode

export const ERRORS = {
  // the broker process (BrokerError and ConfigError codes; what `start` exits with)
  BRK_ERR_CONFIG_INVALID: { origin: 'broker', exit: E.Config, meaning: 'the configuration failed to load or validate' },
  BRK_ERR_CLUSTER_UNAVAILABLE: { origin: 'broker', exit: E.Unavailable, meaning: 'the cluster\'s Redis cannot be reached at start' },
  BRK_ERR_CLUSTER_CONFIG: { origin: 'broker', exit: E.Config, meaning: 'the cluster\'s Redis is configured so that it may lose data (a maxmemory-policy that evicts keys)' },
  BRK_ERR_NODE_NAME_TAKEN: { origin: 'broker', exit: E.Config, meaning: 'another live node of the cluster has this node_name' },
  BRK_ERR_STORE_CORRUPT: { origin: 'store', exit: E.Internal, meaning: 'the store\'s data is damaged; nothing was deleted' },
  BRK_ERR_STORE_UNAVAILABLE: { origin: 'store', exit: E.Internal, meaning: 'the store cannot be reached or written (locked, permission, disk full, newer layout)' },

  // the control channel (`{error:{code,message}}` replies)
  NOT_FOUND: { origin: 'control', exit: E.DataError, meaning: 'no such client, session, rule or configuration key' },
  NO_SUCH_USER: { origin: 'control', exit: E.NoUser, meaning: 'no account with that user name' },
  CONFLICT: { origin: 'control', exit: E.DataError, meaning: 'the target exists already (an account with --no-overwrite, a backup file without --force)' },
  INVALID: { origin: 'control', exit: E.DataError, meaning: 'a request, value or file that cannot be used (the message names the field)' },
  UNKNOWN_METHOD: { origin: 'control', exit: E.Internal, meaning: 'the broker knows no such control method (an older broker)' },
  UNSUPPORTED_VERSION: { origin: 'control', exit: E.Protocol, meaning: 'the broker speaks another control protocol version' },
  RESTART_REQUIRED: { origin: 'control', exit: E.DataError, meaning: 'the configuration key cannot change while the broker runs' },
  INTERNAL: { origin: 'control', exit: E.Internal, meaning: 'the broker failed to answer (a bug; logged by the broker)' },

  // mqttctl's own failures
  FAILED: { origin: 'cli', exit: null, meaning: 'a failure without a more specific code' },
  USAGE: { origin: 'cli', exit: E.Usage, meaning: 'a bad flag, argument or list query' },
  UNEXPECTED_ARGUMENT: { origin: 'cli', exit: E.Usage, meaning: 'an argument the command does not take' },
  UNKNOWN_COMMAND: { origin: 'cli', exit: E.Usage, meaning: 'no such command (the nearest ones are suggested)' },
  CONFIRMATION_REQUIRED: { origin: 'cli', exit: E.Usage, meaning: 'a destructive command without --yes and no terminal to ask on' },
  PASSWORD_REQUIRED: { origin: 'cli', exit: E.Usage, meaning: 'no password given and no terminal to ask on' },
  PASSWORD_MISMATCH: { origin: 'cli', exit: E.Usage, meaning: 'the password and its confirmation differ' },
  INVALID_PASSWORD: { origin: 'cli', exit: E.DataError, meaning: 'a password that cannot be used' },
  NO_INPUT: { origin: 'cli', exit: E.DataError, meaning: 'an input file that cannot be read' },
  TOO_LARGE: { origin: 'cli', exit: E.DataError, meaning: 'an input larger than the command accepts' },
  EXISTS: { origin: 'cli', exit: E.DataError, meaning: 'the target file exists (give --force)' },
  STORE_EXISTS: { origin: 'cli', exit: E.DataError, meaning: 'the data dir holds a store already (give --force)' },
  NO_STORE: { origin: 'cli', exit: E.DataError, meaning: 'the data dir holds no store' },
  BACKUP_DAMAGED: { origin: 'cli', exit: E.DataError, meaning: 'a backup file that does not read back whole' },
  STORE_LOST_DATA: { origin: 'cli', exit: E.DataError, meaning: '`store repair` found acknowledged data lost, and --accept-loss was not given' },
  UNAVAILABLE: { origin: 'cli', exit: E.Unavailable, meaning: 'no broker answers on the control socket' },
  RUNNING: { origin: 'cli', exit: E.Unavailable, meaning: '`restore` while a broker runs on the data dir' },
  BROKER_RUNNING: { origin: 'cli', exit: E.DataError, meaning: '`reset --all` while a broker holds the store' },
  STORE_LOCKED: { origin: 'cli', exit: E.Unavailable, meaning: 'another process holds the data dir\'s store' },
  DATA_DIR: { origin: 'cli', exit: E.Internal, meaning: 'the data dir cannot be made ready' },
  DISK_FULL: { origin: 'cli', exit: E.Internal, meaning: 'no space left to write' },
  SPAWN_FAILED: { origin: 'cli', exit: E.Internal, meaning: 'the daemon could not be started' },
  START_FAILED: { origin: 'cli', exit: null, meaning: 'the broker failed while starting (the exit code is the broker\'s)' },
  KILL_FAILED: { origin: 'cli', exit: E.Internal, meaning: 'the broker could not be signalled' },
  REPAIR_FAILED: { origin: 'cli', exit: E.Internal, meaning: 'the store could not be repaired' },
  TIMEOUT: { origin: 'cli', exit: E.Timeout, meaning: 'no answer in time (--timeout, --wait-timeout)' },
  SLOW_CONSUMER: { origin: 'cli', exit: E.Timeout, meaning: 'the broker cut a stream read too slowly' },
  PERMISSION_DENIED: { origin: 'cli', exit: E.Permission, meaning: 'a path belongs to another user or is on a read-only file system' },
  CONFIG_INVALID: { origin: 'cli', exit: E.Config, meaning: 'the configuration (or what preflight checks of it) cannot be used' },
  CANCELLED: { origin: 'cli', exit: E.Interrupted, meaning: 'interrupted at a prompt or during a command' },
} as const satisfies Record<string, ErrorEntry>

export type ErrorCode = keyof typeof ERRORS
/** The codes reported by `origin`. */
export type ErrorCodeOf<O extends ErrorOrigin> = { [K in ErrorCode]: (typeof ERRORS)[K]['origin'] extends O ? K : never }[ErrorCode]

/** The entry of `code`, or undefined for a code not in the catalog. */
export function errorEntry (code: string | undefined): ErrorEntry | undefined {
  return code !== undefined && Object.hasOwn(ERRORS, code) ? ERRORS[code as ErrorCode] : undefined
}

/** The exit code of `code`; `fallback` for a code not in the catalog or one whose raiser decides. */
export function exitCodeOf (code: string | undefined, fallback: ExitCodeValue = ExitCode.Internal): ExitCodeValue {
  return errorEntry(code)?.exit ?? fallback
}
