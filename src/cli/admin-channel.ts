/**
 * AdminChannel: where `account` and `acl` commands send their requests. With a broker running, its
 * control socket (changes apply live); with none, the data dir's store opened in this process
 * (src/control/offline-admin.ts, loaded only then). Both run the same method code (src/control/auth-methods.ts), so a
 * command behaves the same either way except for `live` in its result.
 */
import type { AuthMethodName } from '../control/auth-methods.js'
import { type ControlClient, ControlClientError } from '../control/client.js'
import { checkParams, METHOD_PARAMS } from '../control/params.js'
import { ControlErrorCode, type Methods } from '../control/schema.js'

export interface AdminChannel {
  /** true: a running broker answers and applies changes at once; false: the data dir was changed. */
  readonly live: boolean
  /** bcrypt cost to hash new passwords with (the broker's `bcrypt_cost`). */
  readonly bcryptCost: number
  request<M extends AuthMethodName> (method: M, params: Methods[M]['params']): Promise<Methods[M]['result']>
  close (): Promise<void>
}

export function liveChannel (client: ControlClient, timeoutMs: number): AdminChannel {
  return {
    live: true,
    bcryptCost: client.hello.bcrypt_cost,
    request: (method, params) => client.request(method, params, timeoutMs),
    close: async () => {},
  }
}

export async function offlineChannel (dataDir: string, bcryptCost: number): Promise<AdminChannel> {
  const { openOfflineAdmin } = await import('../control/offline-admin.js')
  const { ControlError } = await import('../control/server.js')
  const admin = await openOfflineAdmin(dataDir)
  return {
    live: false,
    bcryptCost,
    // params are checked as the broker checks them, and the methods' own errors look exactly as
    // they would coming back over the socket
    request: async <M extends AuthMethodName>(method: M, params: Methods[M]['params']) => {
      const checked = checkParams(METHOD_PARAMS[method], params)
      if (!checked.ok) throw new ControlClientError('remote', checked.message, ControlErrorCode.Invalid)
      try {
        return await (admin.methods[method](checked.value as never) as Promise<Methods[M]['result']>)
      } catch (err) {
        if (err instanceof ControlError) throw new ControlClientError('remote', err.message, err.code)
        throw err
      }
    },
    close: () => admin.close(),
  }
}
