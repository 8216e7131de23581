/**
 * The one error the admin API throws for an operator's mistake: no such client, or a topic or
 * filter that is not valid. Each caller maps `kind` to its own codes (the control channel's
 * NOT_FOUND and INVALID); anything else thrown is a fault of the broker.
 */

export type AdminErrorKind = 'not_found' | 'invalid'

export class AdminError extends Error {
  constructor (readonly kind: AdminErrorKind, message: string) {
    super(message)
    this.name = 'AdminError'
  }
}
