/**
 * The one error type for a configuration that cannot be used: unreadable file, YAML syntax error,
 * unknown key or bad value. It carries every problem found, each named by its dotted key path, so that
 * one run reports them all. `src/main.ts` turns it into exit code 78 (configuration error).
 */

/** One problem in a configuration. */
export interface ConfigIssue {
  /** Dotted key path such as `listeners[1].port`; empty when the problem is the file as a whole. */
  path: string
  /** What is wrong, e.g. `must be an integer between 0 and 65535`. */
  message: string
}

/** A configuration (file, overrides, or both) that cannot be used. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  /** BRK_ERR_CONFIG_INVALID: the configuration failed to load or validate. */
  readonly code = 'BRK_ERR_CONFIG_INVALID'
  /** The config file, as the user named it, when the problems come from a file. */
  readonly file?: string
  /** Every problem found, in the order they were found. */
  readonly issues: ConfigIssue[]

  constructor (issues: ConfigIssue[], options: { file?: string; cause?: unknown } = {}) {
    super(formatIssues(issues, options.file), options.cause === undefined ? undefined : { cause: options.cause })
    this.issues = issues
    if (options.file !== undefined) this.file = options.file
  }
}

/** One line per issue: `[<file>: ][<path>: ]<message>`. */
function formatIssues (issues: readonly ConfigIssue[], file: string | undefined): string {
  const prefix = file === undefined ? '' : `${file}: `
  return issues.map((i) => `${prefix}${i.path === '' ? '' : `${i.path}: `}${i.message}`).join('\n')
}
