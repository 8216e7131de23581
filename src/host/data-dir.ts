/**
 * The data directory's file layout, shared by the daemon (src/daemon.ts) and the
 * lifecycle commands, so both sides name the same files:
 *
 *   <data_dir>/mqttctl.sock   control socket (the broker creates it last, when it is ready)
 *   <data_dir>/mqttctl.pid    the daemon's pid, one decimal line (absent for --foreground brokers)
 *   <data_dir>/broker.log     the daemon's log, JSON lines; rotated at LOG_ROTATION.maxBytes into
 *   <data_dir>/broker.log.1 … broker.log.<LOG_ROTATION.keep>  (1 is the most recent)
 *
 * Pure path arithmetic: no I/O, no imports beyond node:path, so `mqttctl status` can use it for free.
 */
import { join } from 'node:path'

export const SOCKET_FILE = 'mqttctl.sock'
export const PID_FILE = 'mqttctl.pid'
export const LOG_FILE = 'broker.log'

/** Size-bounded log: the live file plus `keep` rotated ones, each at most `maxBytes` (≈ 50 MiB in all). */
export const LOG_ROTATION = { maxBytes: 10 * 1024 * 1024, keep: 4 } as const

export function socketPathIn (dataDir: string): string {
  return join(dataDir, SOCKET_FILE)
}

export function pidFilePathIn (dataDir: string): string {
  return join(dataDir, PID_FILE)
}

export function logFilePathIn (dataDir: string): string {
  return join(dataDir, LOG_FILE)
}

/** The log files from newest to oldest: broker.log, broker.log.1, … broker.log.<keep>. */
export function logFilesNewestFirst (dataDir: string): string[] {
  const live = logFilePathIn(dataDir)
  return [live, ...Array.from({ length: LOG_ROTATION.keep }, (_, i) => `${live}.${i + 1}`)]
}
