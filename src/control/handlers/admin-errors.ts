/** Runs an admin API call for a handler, turning its AdminError into the control channel's error code. */
import { AdminError, type AdminErrorKind } from '../../core/admin/admin-error.js'
import { ControlError } from '../server.js'
import { ControlErrorCode, type ControlErrorCodeValue } from '../schema.js'

const CODES: Record<AdminErrorKind, ControlErrorCodeValue> = {
  not_found: ControlErrorCode.NotFound,
  invalid: ControlErrorCode.Invalid,
}

export function viaAdmin<T> (call: () => T): T {
  try {
    return call()
  } catch (err) {
    if (err instanceof AdminError) throw new ControlError(CODES[err.kind], err.message)
    throw err
  }
}
