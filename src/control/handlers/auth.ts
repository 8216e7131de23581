/**
 * `account.*` and `acl.*` on the running broker: the methods of src/control/auth-methods.ts, with a LiveView
 * of the engine's connections so that `--kick` closes those that lost their right (DISCONNECT 0x87
 * Not authorized for v5 clients) and `account list` counts who is online.
 */
import { type LiveClient, type LiveView, AUTH_METHODS, authMethods } from '../auth-methods.js'
import { CloseReason } from '../../core/close-reason.js'
import type { Connection } from '../../core/connection.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import type { MethodHandler, ControlServer } from '../server.js'
import type { BrokerView } from './context.js'

export function registerAuthHandlers (server: ControlServer, broker: BrokerView): void {
  const engine = broker.engine
  const connected = (): Connection[] => [...engine.connections].filter((c) => c.state === 'connected' && c.session !== null)
  const live: LiveView = {
    kick (select, why) {
      let kicked = 0
      for (const conn of connected()) {
        const session = conn.session
        if (session === null) continue
        const client: LiveClient = {
          username: conn.username,
          clientId: conn.clientId,
          address: conn.info.remoteAddress,
          filters: [...session.subscriptions.values()].map((s) => s.topicFilter),
        }
        if (!select(client)) continue
        broker.log.info({ clientId: conn.clientId, user: conn.username, why }, 'client disconnected: it lost its access')
        conn.close(CloseReason.AdministrativeAction, ReasonCode.NotAuthorized)
        kicked++
      }
      return kicked
    },
    allowAnonymous: () => broker.config.allow_anonymous,
    onlineByUser () {
      const counts = new Map<string, number>()
      for (const conn of connected()) {
        if (conn.username !== undefined) counts.set(conn.username, (counts.get(conn.username) ?? 0) + 1)
      }
      return counts
    },
  }
  const methods = authMethods(engine.access, live)
  for (const name of AUTH_METHODS) server.handle(name, methods[name] as MethodHandler<typeof name>)
}
