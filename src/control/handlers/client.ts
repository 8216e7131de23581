/** `client.list`, `client.show`, `client.kick` and `subscription.list`: the admin API's client operations. */
import type { Admin } from '../../core/admin/admin.js'
import type { ControlServer } from '../server.js'
import { viaAdmin } from './admin-errors.js'

export function registerClientHandlers (server: ControlServer, admin: Admin): void {
  server.handle('client.list', ({ state = 'all' }) => {
    const items = admin.listClients(state)
    return { items, total: items.length }
  })

  server.handle('client.show', ({ client_id: clientId }) => viaAdmin(() => admin.showClient(clientId)))

  server.handle('client.kick', ({ client_id: clientId, discard_session: discard = false }) =>
    viaAdmin(() => admin.kickClient(clientId, discard)))

  server.handle('subscription.list', ({ client_id: clientId, match }) => {
    const items = viaAdmin(() => admin.listSubscriptions({ clientId, match }))
    return { items, total: items.length }
  })
}
