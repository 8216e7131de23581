/** Registers every control method on the broker's ControlServer. */
import { Admin } from '../../core/admin/admin.js'
import type { ControlServer } from '../server.js'
import { registerAuthHandlers } from './auth.js'
import { registerBackupHandlers } from './backup.js'
import { registerClientHandlers } from './client.js'
import { registerConfigHandlers } from './config.js'
import type { BrokerView } from './context.js'
import { registerNodeHandlers } from './node.js'
import { registerResetHandlers } from './reset.js'
import { registerRetainedHandlers } from './retained.js'
import { registerTraceHandlers } from './trace.js'
import { registerSysHandlers } from './sys.js'

export function registerControlHandlers (server: ControlServer, broker: BrokerView): void {
  const admin = new Admin(broker.engine)
  registerNodeHandlers(server, broker)
  registerClientHandlers(server, broker, admin)
  registerRetainedHandlers(server, admin)
  registerConfigHandlers(server, broker)
  registerTraceHandlers(server, broker)
  registerSysHandlers(server, broker)
  registerAuthHandlers(server, broker)
  registerResetHandlers(server, admin)
  registerBackupHandlers(server, broker)
}
