/**
 * When mqttctl colours its output, decided once per command (BaseCommand.init) for stdout and for
 * stderr, first match wins:
 * 1. `--no-color` turns colour off, `--color` turns it on (also into a pipe: `logs --color | less -R`);
 * 2. FORCE_COLOR (0 or false: off; 1, 2, 3, true or empty: on at that depth), as chalk reads it;
 * 3. NO_COLOR set to anything but the empty string: off (https://no-color.org; chalk 5 ignores it);
 * 4. otherwise chalk's detection: on when the stream is a terminal that supports colour.
 * Both chalk instances (`chalk` for stdout, `chalkStderr`) are set, so every module that imports
 * them follows the choice. oclif's own messages (errors, help) use ansis, which reads the same
 * variables and flags.
 */
import { chalkStderr, default as chalk, supportsColor, supportsColorStderr, type ColorSupportLevel } from 'chalk'

/** The colour depth for one stream: `choice` is the --color/--no-color flag, `detected` chalk's guess. */
export function colourLevel (choice: boolean | undefined, env: NodeJS.ProcessEnv, detected: ColorSupportLevel): ColorSupportLevel {
  if (choice === false) return 0
  if (choice === true) return detected === 0 ? 1 : detected
  // chalk's detection already honours FORCE_COLOR (and lets it win over NO_COLOR, as Node does).
  if (env.FORCE_COLOR !== undefined) return detected
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  return detected
}

/** Sets the depth of `chalk` (stdout) and `chalkStderr` from the flag and the environment. */
export function applyColourChoice (choice: boolean | undefined, env: NodeJS.ProcessEnv = process.env): void {
  chalk.level = colourLevel(choice, env, supportsColor === false ? 0 : supportsColor.level)
  chalkStderr.level = colourLevel(choice, env, supportsColorStderr === false ? 0 : supportsColorStderr.level)
}
