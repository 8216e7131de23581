/**
 * Who can reach the broker, the defaults Mosquitto 2 chose: a broker nobody configured listens on
 * loopback only (127.0.0.1:1883), and anonymous clients are admitted on a listener other machines
 * can reach only when the configuration says `allow_anonymous: true` in so many words. Here: the
 * loopback test, the default of `allow_anonymous` (schema.ts applies it when the key is absent),
 * and the lines a start says about it (logged by the broker, printed by `mqttctl start`).
 */
import type { ListenerConfig } from './types.js'

/** Whether a listener address takes connections from this machine only. */
export function isLoopbackHost (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/** `allow_anonymous` when the configuration does not set it: only while every listener is on loopback. */
export function defaultAllowAnonymous (listeners: readonly ListenerConfig[]): boolean {
  return listeners.every((l) => isLoopbackHost(l.host))
}

/** Which of the exposure settings came from defaults rather than from the file or the command line. */
export interface Defaulted {
  listeners: boolean
  allow_anonymous: boolean
}

export interface ExposureNote {
  level: 'info' | 'warn'
  message: string
}

/**
 * What a start says about who can reach the broker, given its bound `listeners` (real ports) and
 * its `allow_anonymous`; empty when the configuration says it all.
 */
export function exposureNotes (listeners: ReadonlyArray<{ host: string; port: number }>, allowAnonymous: boolean, defaulted: Defaulted): ExposureNote[] {
  const notes: ExposureNote[] = []
  const open = listeners.filter((l) => !isLoopbackHost(l.host)).map((l) => `${l.host}:${l.port}`)
  if (defaulted.listeners) {
    notes.push({ level: 'info', message: `no listener configured: listening on ${listeners.map((l) => `${l.host}:${l.port}`).join(', ')} (loopback) only; configure listeners (or --port/--host) to accept clients from other machines` })
  }
  if (open.length > 0 && allowAnonymous) {
    notes.push({ level: 'warn', message: `anonymous access is allowed on ${open.join(', ')}, which other machines can reach (allow_anonymous: true): any client there may connect without a password` })
  } else if (open.length > 0 && defaulted.allow_anonymous) {
    notes.push({ level: 'info', message: `anonymous clients are refused on ${open.join(', ')} (not loopback, and the configuration does not say allow_anonymous: true); add accounts with mqttctl account set` })
  }
  return notes
}
