/**
 * Runs the real `mqttctl` on a pseudo-terminal, for what only happens on a terminal: colour,
 * prompts. Node has no pty of its own; python3's `pty` module (installed wherever the tests run)
 * forks the child on one and relays it: the driver below waits for each `expect` text in the
 * output, then types its `send` bytes, and finally prints the exit code and the whole output as
 * JSON. stdout and stderr both go to the terminal, as they do for a user.
 */
import { spawn } from 'node:child_process'
import { BIN, ROOT, mqttctlEnv } from './mqttctl.js'

const DRIVER = String.raw`
import json, os, pty, select, sys, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execve(spec['argv'][0], spec['argv'], spec['env'])
out, steps, deadline = b'', spec['steps'], time.monotonic() + spec['timeout']
while time.monotonic() < deadline:
    if steps and steps[0]['expect'].encode() in out:
        os.write(fd, steps.pop(0)['send'].encode())
    ready, _, _ = select.select([fd], [], [], 0.05)
    if not ready:
        continue
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.waitstatus_to_exitcode(status), 'output': out.decode('utf8', 'replace')}))
`

export interface PtyStep {
  /** Text to wait for in the output… */
  expect: string
  /** …then typed on the terminal (`\x03` is Ctrl-C). */
  send: string
}

export interface PtyResult {
  /** Exit code; negative when killed by a signal (-9: the timeout). */
  code: number
  /** stdout and stderr as the terminal showed them (line ends as \r\n). */
  output: string
}

/**
 * What a CI runner sets that makes chalk's detection say "no colour" even on a terminal; removed so
 * that a test sees what a user at a terminal sees.
 */
const CI_MARKERS: NodeJS.ProcessEnv = { CI: undefined, CONTINUOUS_INTEGRATION: undefined, TF_BUILD: undefined, TEAMCITY_VERSION: undefined, BUILD_NUMBER: undefined, RUN_ID: undefined }

/** Runs mqttctl with `args` on a terminal (TERM=xterm-256color; `env` adds or, with undefined, removes variables). */
export function mqttctlOnTty (args: string[], opts: { env?: NodeJS.ProcessEnv; steps?: PtyStep[]; timeoutMs?: number } = {}): Promise<PtyResult> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(mqttctlEnv({ ...CI_MARKERS, TERM: 'xterm-256color', ...opts.env }))) if (v !== undefined) env[k] = v
  const spec = { argv: [process.execPath, BIN, ...args], env, steps: opts.steps ?? [], timeout: (opts.timeoutMs ?? 30_000) / 1000 }
  const driver = spawn('python3', ['-c', DRIVER, JSON.stringify(spec)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  driver.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  driver.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  return new Promise((resolve, reject) => {
    driver.on('error', reject)
    driver.on('close', (code) => {
      try {
        resolve(JSON.parse(stdout) as PtyResult)
      } catch {
        reject(new Error(`the pty driver failed (exit ${code}): ${stderr}`))
      }
    })
  })
}
