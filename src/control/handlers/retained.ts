/** `retained.list` and `retained.clear`: the admin API's retained operations. */
import type { Admin } from '../../core/admin/admin.js'
import type { ControlServer } from '../server.js'
import { viaAdmin } from './admin-errors.js'

export function registerRetainedHandlers (server: ControlServer, admin: Admin): void {
  server.handle('retained.list', ({ topic = '#' }) => {
    const items = viaAdmin(() => admin.listRetained(topic))
    return { items, total: items.length }
  })

  server.handle('retained.clear', ({ filter, dry_run: dryRun = false }) => viaAdmin(() => admin.clearRetained(filter, dryRun)))
}
