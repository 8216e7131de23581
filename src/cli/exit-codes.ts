/**
 * mqttctl's exit codes (sysexits); the README lists them. They are defined with the error codes
 * that map onto them, in the error catalog (src/errors/catalog.ts), which the broker process uses
 * too. `status` follows LSB instead (0 running, 1 dead with a pid file left, 3 stopped).
 */
export { ExitCode, type ExitCodeValue } from '../errors/catalog.js'

/** LSB exit codes of `mqttctl status`. */
export const StatusExit = { Running: 0, DeadWithPidFile: 1, Stopped: 3, Unknown: 4 } as const
