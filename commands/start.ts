/**
 * `mqttctl start`: run the broker. Only `--foreground` exists in this release (the broker runs in this
 * process until SIGINT/SIGTERM); the detached daemon comes later. The broker code is imported only
 * once the flags are known to be usable, so that `mqttctl --help` and usage errors stay fast.
 */

import { Command, Flags } from '@oclif/core'

/** Exit code for a command-line usage error (sysexits EX_USAGE, DESIGN.md §2). */
const EXIT_USAGE = 64

export default class Start extends Command {
  static override summary = 'Start the broker.'
  static override description = `With --foreground the broker runs in this process, logs to stderr and stops cleanly on SIGINT or SIGTERM (a second signal exits at once). Use it under systemd, in containers and in tests.

The configuration comes from --config (YAML or JSON); --port replaces its listeners with one plain MQTT listener on 0.0.0.0:PORT and --data-dir replaces its data_dir.

Exit codes: 0 stopped cleanly, 64 usage error, 70 start-up failure (e.g. port already in use), 77 data directory not writable, 78 configuration error, 130 second signal while stopping.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --foreground --port 1883',
    '<%= config.bin %> <%= command.id %> --foreground --config /etc/mqttd/broker.yaml',
  ]

  static override flags = {
    foreground: Flags.boolean({ summary: 'Run the broker in this process instead of as a daemon.' }),
    port: Flags.integer({
      summary: 'Listen for plain MQTT on 0.0.0.0 at this port only (replaces the configured listeners).',
      min: 0,
      max: 65_535,
    }),
    config: Flags.file({ char: 'c', summary: 'Configuration file (YAML or JSON).' }),
    'data-dir': Flags.directory({
      summary: "Data directory (overrides the configuration's data_dir; default ./data).",
      env: 'MQTTCTL_DATA_DIR',
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Start)
    if (!flags.foreground) this.error('daemon mode is not available yet; run with --foreground', { exit: EXIT_USAGE })

    const { runForeground } = await import('../src/main.js')
    const code = await runForeground({
      ...(flags.config === undefined ? {} : { configFile: flags.config }),
      ...(flags.port === undefined ? {} : { port: flags.port }),
      ...(flags['data-dir'] === undefined ? {} : { dataDir: flags['data-dir'] }),
    })
    process.exit(code)
  }
}
