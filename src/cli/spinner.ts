/**
 * A one-line progress spinner on stderr, shown only when stderr is a terminal (never in pipes, CI
 * logs or under --json, where it would be noise). Notes written through it appear above the spinner
 * line (and, without a terminal, as plain lines, unless disabled for --json). `stop()` erases the
 * line, so what follows starts on a clean line. Deliberately tiny: the lifecycle commands need a sign of life, not a framework.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const FRAME_MS = 80

export interface Spinner {
  /** Changes the text shown next to the spinner. */
  update (text: string): void
  /** Writes a line of its own above the spinner (to stderr). */
  note (line: string): void
  stop (): void
}

/** Starts a spinner with `text` if `enabled` and stderr is a TTY; otherwise one that only prints notes (if enabled). */
export function startSpinner (text: string, enabled: boolean): Spinner {
  const stream = process.stderr
  if (!enabled || !stream.isTTY) {
    return { update: () => undefined, note: (line) => { if (enabled) stream.write(line + '\n') }, stop: () => undefined }
  }
  let label = text
  let frame = 0
  let running = true
  const draw = (): void => { stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${label}`) }
  draw()
  const timer = setInterval(draw, FRAME_MS)
  return {
    update: (next) => { label = next },
    note: (line) => {
      stream.write(`\r\x1b[2K${line}\n`)
      if (running) draw()
    },
    stop: () => {
      if (!running) return
      running = false
      clearInterval(timer)
      stream.write('\r\x1b[2K')
    },
  }
}
