#!/usr/bin/env node
// mqttctl entry. `status` runs in health checks: its plain forms are answered without loading
// oclif (src/cli/status-fast.ts), and so are plain read-only lists (src/cli/fast-lane.ts);
// everything else goes to oclif. The engine check would load
// semver on every start: package.json's "engines" and npm already require Node >= 20.
// A closed or failing stdout is handled the same way by every command (src/cli/stdout-guard.ts).
const { guardStdout } = await import('../dist/src/cli/stdout-guard.js')
guardStdout()
if (process.argv[2] === 'status') {
  const { fastStatus } = await import('../dist/src/cli/status-fast.js')
  if (await fastStatus(process.argv.slice(3))) process.exit()
} else {
  // the common read-only commands, answered without oclif when their command line is a plain one
  const { fastLane } = await import('../dist/src/cli/fast-lane.js')
  if (await fastLane(process.argv.slice(2))) process.exit()
}
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const { execute } = await import('@oclif/core')
const { fileURLToPath } = await import('node:url')
// mqttctl has no user-installed plugins: oclif need not read ~/.local/share/mqttctl (which, under
// `sudo -u` with root's HOME, is unreadable and printed a warning on every command)
await execute({ loadOptions: { root: fileURLToPath(import.meta.url), userPlugins: false } })
