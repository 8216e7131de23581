/**
 * `reset` on the running broker: the admin API's reset (src/core/admin/reset.ts), answered once
 * durable. `mqttctl reset --all` (the whole store directory, even a damaged one) needs the broker
 * stopped and never comes here.
 */
import type { Admin } from '../../core/admin/admin.js'
import type { ControlServer } from '../server.js'

export function registerResetHandlers (server: ControlServer, admin: Admin): void {
  server.handle('reset', async ({ sessions = false, retained = false, accounts = false, acl = false, settings = false, dry_run: dryRun = false }) => {
    const outcome = await admin.reset({ sessions, retained, accounts, acl, settings }, dryRun)
    return { ...outcome, live: true }
  })
}
