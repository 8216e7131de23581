/**
 * `mqttctl start`: run the broker as a daemon (default) or in this process (`--foreground`).
 * The daemon procedure is src/cli/daemon-start.ts; the foreground one src/main.ts#runForeground
 * (imported only then, so that help and usage errors stay fast).
 */
import { Flags } from '@oclif/core'

import { BaseCommand } from '../src/cli/base-command.js'
import { describeStart, prepareStart, startDaemon, startRequestFrom, type StartResult } from '../src/cli/daemon-start.js'
import { ExitCode } from '../src/cli/exit-codes.js'
import { DEFAULT_WAIT_TIMEOUT_S, clusterFlag, hostFlag, nodeNameFlag, portFlag, waitTimeoutFlag } from '../src/cli/lifecycle-flags.js'
import { startSpinner } from '../src/cli/spinner.js'

export default class Start extends BaseCommand<typeof Start> {
  static override summary = 'Start the broker.'
  static override description = `By default the broker is started as a daemon: the configuration is validated first, then the broker runs detached, writes its pid to <data dir>/mqttctl.pid and logs to <data dir>/broker.log (rotated at 10 MiB, 4 old files kept), and mqttctl waits until its control socket answers. A broker already running is reported and left alone (exit 0); a pid file or control socket left behind by a crash is replaced.

With --foreground the broker runs in this process, logs to stderr and stops cleanly on SIGINT or SIGTERM (a second signal exits at once). Use it under systemd, in containers and in tests.

The configuration comes from --config (YAML or JSON); --port and --host replace its listeners with one plain MQTT listener on HOST:PORT (HOST defaults to 0.0.0.0, PORT to 1883; 0 picks a free port, reported on success) and --data-dir replaces its data_dir. --node-name replaces node_name (default: the host name). --cluster URL (redis:// or rediss://) replaces cluster.redis only, and so joins the cluster on that Redis: the file's other cluster keys (prefix, heartbeat, lease) are kept, or take their defaults. The flags are validated as the file is (a bad URL: exit 78 naming cluster.redis); a password in the URL is shown as *** by state and restart. With no listener configured at all the broker listens on 127.0.0.1:1883 only, and says so. Anonymous clients are refused on a listener that is not on loopback unless the configuration says allow_anonymous: true (then start warns).

Before anything is spawned, the checks of "mqttctl config check" run: keys, data directory, TLS files (readable, parsed, matching), hosts, ports.

Exit codes: 0 started (or already running; with --foreground: stopped cleanly), 64 usage error, 70 the broker failed to start (its last log lines are shown, or the reason: a full file system) or the data directory cannot be created, 75 no answer within --wait-timeout, 77 permission denied (the line names the path, this user and the owner), 78 configuration error or a check failed (each key named), 130 second signal while stopping (--foreground).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config /etc/mqttd/broker.yaml --json',
    '<%= config.bin %> <%= command.id %> --port 1884 --data-dir /var/lib/mqttd',
    '<%= config.bin %> <%= command.id %> --host 127.0.0.1 --port 0 --json',
    '<%= config.bin %> <%= command.id %> --foreground --port 1883',
    '<%= config.bin %> <%= command.id %> --config /etc/mqttd/broker.yaml --node-name n1 --cluster redis://127.0.0.1:6379/0',
  ]

  static override flags = {
    foreground: Flags.boolean({
      summary: 'Run the broker in this process (logs to stderr) instead of as a daemon.',
      exclusive: ['wait-timeout'],
    }),
    port: portFlag,
    host: hostFlag,
    'node-name': nodeNameFlag,
    cluster: clusterFlag,
    'wait-timeout': waitTimeoutFlag,
  }

  async run (): Promise<StartResult | undefined> {
    const { flags } = this
    if (flags.foreground) return this.runForeground()

    const prep = await prepareStart(startRequestFrom(flags, DEFAULT_WAIT_TIMEOUT_S, this.timeoutMs))
    const spinner = startSpinner('starting mqttd…', !this.jsonEnabled())
    let result: StartResult
    try {
      result = await startDaemon(prep, { note: (m) => { spinner.note(`mqttctl: ${m}`) }, progress: (m) => { spinner.update(m) } })
    } finally {
      spinner.stop()
    }
    for (const line of describeStart(result)) this.log(line)
    return result
  }

  /** The broker in this process until a signal; exits with its code. */
  private async runForeground (): Promise<undefined> {
    const { flags } = this
    if (this.jsonEnabled()) this.fail('--json does not apply to --foreground (the broker logs JSON lines to stderr)', ExitCode.Usage, 'USAGE')
    if (flags.socket !== undefined) {
      this.fail('--socket does not apply to start: a broker listens on <data dir>/mqttctl.sock; choose it with --data-dir or --config', ExitCode.Usage, 'USAGE')
    }
    const { runForeground } = await import('../src/main.js')
    const code = await runForeground({
      ...(flags.config === undefined ? {} : { configFile: flags.config }),
      ...(flags.port === undefined ? {} : { port: flags.port }),
      ...(flags.host === undefined ? {} : { host: flags.host }),
      ...(flags.cluster === undefined ? {} : { clusterRedis: flags.cluster }),
      ...(flags['node-name'] === undefined ? {} : { nodeName: flags['node-name'] }),
      ...(flags['data-dir'] === undefined ? {} : { dataDir: flags['data-dir'] }),
    })
    process.exit(code)
  }
}
