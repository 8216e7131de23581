/**
 * Loading a configuration: file (YAML, hence also JSON) → validated `Config` → command-line overrides
 * → validated again.
 *
 * Paths: a relative `data_dir`, `cert`, `key` or `ca` written in a file is relative to that file's
 * directory (the file can move with its certificates); one given on the command line, and the default
 * `./data`, is relative to the working directory. The returned `Config` holds absolute paths only.
 * The file is validated on its own first, so its problems are reported against its name; overrides are
 * merged into the file's document (not into its result) and the merge is validated with the same
 * schema, so an override can never produce a value the file could not hold.
 */

import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { getSystemErrorMap } from 'node:util'

import { LineCounter, parseDocument } from 'yaml'

import { DEFAULT_LISTENER_HOST, DEFAULT_LISTENER_PORTS, DEFAULT_WS_PATH } from './defaults.js'
import { ConfigError } from './errors.js'
import type { Defaulted } from './exposure.js'
import { parseConfig } from './schema.js'
import type { Config, ConfigSource, ListenerConfig } from './types.js'

/** Command-line values that replace the file's: any `Config` key, plus Mosquitto's `-p` shortcut and `--cluster`. */
export type ConfigOverrides = Partial<Config> & {
  /** With or without `host`: replaces every listener with one plain MQTT listener on `host`:`port` (0.0.0.0:1883 when one is missing). */
  port?: number
  host?: string
  /**
   * Replaces `cluster.redis` only: merged into the file's `cluster` mapping (its prefix, heartbeat,
   * lease are kept), or into `cluster` of these overrides when they have one; with neither, it
   * makes `cluster: {redis}` and the other cluster keys take their defaults.
   */
  cluster_redis?: string
}

/** A loaded configuration, where it came from, and which exposure settings are defaults. */
export interface LoadedConfig {
  config: Config
  source: ConfigSource
  defaulted: Defaulted
}

/** What to load: an optional file and optional overrides. */
export interface LoadConfigOptions {
  /** YAML or JSON file; relative to the working directory. Without it, only defaults and overrides apply. */
  file?: string
  overrides?: ConfigOverrides
}

type Document = Record<string, unknown>

const FILE_RELATIVE_LISTENER_KEYS = ['cert', 'key', 'ca'] as const

/** Reads, validates and completes the configuration; throws `ConfigError` naming every problem. */
export async function loadConfig (opts: LoadConfigOptions = {}): Promise<Config> {
  return (await loadConfigWithSource(opts)).config
}

/** `loadConfig`, where the result came from (what a broker reports for `mqttctl restart`) and what was left to defaults. */
export async function loadConfigWithSource (opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = process.cwd()
  let doc: Document = {}
  let config: Config
  if (opts.file === undefined) {
    config = parseConfig(doc)
  } else {
    doc = resolveFilePaths(await readConfigFile(opts.file), dirname(resolve(cwd, opts.file)))
    config = parseConfig(doc, opts.file)
  }
  const overrides = overridesToDocument(opts.overrides ?? {}, cwd, doc)
  const merged = { ...doc, ...overrides }
  if (Object.keys(overrides).length > 0) config = parseConfig(merged)
  const dataDir = resolve(cwd, config.data_dir)
  const fileDecidesDataDir = typeof doc.data_dir === 'string' && resolve(cwd, doc.data_dir) === dataDir
  const source: ConfigSource = {
    file: opts.file === undefined ? null : resolve(cwd, opts.file),
    overrides: {
      ...(opts.overrides?.port === undefined ? {} : { port: opts.overrides.port }),
      ...(opts.overrides?.host === undefined ? {} : { host: opts.overrides.host }),
      ...(opts.overrides?.cluster_redis === undefined ? {} : { cluster_redis: opts.overrides.cluster_redis }),
      ...(opts.overrides?.node_name === undefined ? {} : { node_name: opts.overrides.node_name }),
      ...(fileDecidesDataDir ? {} : { data_dir: dataDir }),
    },
  }
  const defaulted = { listeners: merged.listeners === undefined, allow_anonymous: merged.allow_anonymous === undefined }
  return { config: { ...config, data_dir: dataDir }, source, defaulted }
}

/** The file's top-level mapping; an empty (or comments-only) file is an empty mapping. */
async function readConfigFile (file: string): Promise<Document> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError([{ path: '', message: `cannot read the file: ${systemReason(err)}` }], { file, cause: err })
  }

  const lineCounter = new LineCounter()
  const parsed = parseDocument(text, { lineCounter, prettyErrors: false })
  if (parsed.errors.length > 0) {
    const issues = parsed.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0])
      return { path: '', message: `YAML syntax error at ${line}:${col}: ${e.message}` }
    })
    throw new ConfigError(issues, { file })
  }

  const value: unknown = parsed.toJS()
  if (value === null || value === undefined) return {}
  if (!isDocument(value)) throw new ConfigError([{ path: '', message: 'must be a mapping of configuration keys' }], { file })
  return value
}

/** Makes the file's relative paths absolute against its directory; values of the wrong type are left to the schema. */
function resolveFilePaths (doc: Document, baseDir: string): Document {
  const out: Document = { ...doc }
  if (isRelativePath(out.data_dir)) out.data_dir = resolve(baseDir, out.data_dir)
  if (Array.isArray(out.listeners)) {
    out.listeners = out.listeners.map((l: unknown) => {
      if (!isDocument(l)) return l
      const listener: Document = { ...l }
      for (const key of FILE_RELATIVE_LISTENER_KEYS) {
        const value = listener[key]
        if (isRelativePath(value)) listener[key] = resolve(baseDir, value)
      }
      return listener
    })
  }
  return out
}

/**
 * Overrides in the file's vocabulary: undefined values dropped, paths made absolute against `cwd`,
 * listeners stripped of the filled-in defaults that the file form does not allow on their type, and
 * `cluster_redis` merged into the `cluster` mapping of the overrides or of the file (`fileDoc`).
 */
function overridesToDocument (overrides: ConfigOverrides, cwd: string, fileDoc: Document): Document {
  const { port, host, listeners, cluster_redis: clusterRedis, ...rest } = overrides
  const doc: Document = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined))
  if (rest.data_dir !== undefined) doc.data_dir = resolve(cwd, rest.data_dir)
  if (listeners !== undefined) doc.listeners = listeners.map((l) => listenerToDocument(l, cwd))
  if (port !== undefined || host !== undefined) {
    doc.listeners = [{ type: 'mqtt', host: host ?? DEFAULT_LISTENER_HOST, port: port ?? DEFAULT_LISTENER_PORTS.mqtt }]
  }
  if (clusterRedis !== undefined) {
    // A file's `cluster` that is not a mapping has already failed its own validation.
    const base = doc.cluster ?? fileDoc.cluster
    doc.cluster = { ...(isDocument(base) ? base : {}), redis: clusterRedis }
  }
  return doc
}

function listenerToDocument (l: ListenerConfig, cwd: string): Document {
  const tls = l.type === 'mqtts' || l.type === 'wss'
  const ws = l.type === 'ws' || l.type === 'wss'
  const doc: Document = { type: l.type, host: l.host, port: l.port }
  if (ws || l.path !== DEFAULT_WS_PATH) doc.path = l.path
  if (tls || l.require_certificate) doc.require_certificate = l.require_certificate
  if (l.use_identity_as_username) doc.use_identity_as_username = true
  for (const key of FILE_RELATIVE_LISTENER_KEYS) {
    const value = l[key]
    if (value !== undefined) doc[key] = isRelativePath(value) ? resolve(cwd, value) : value
  }
  return doc
}

function isDocument (value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A non-empty relative path string (empty strings stay as they are, for the schema to reject). */
function isRelativePath (value: unknown): value is string {
  return typeof value === 'string' && value !== '' && !isAbsolute(value)
}

/** `no such file or directory (ENOENT)`, or the error's own message when it is not a system error. */
function systemReason (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const { errno, code } = err as NodeJS.ErrnoException
  const text = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1]
  return text !== undefined && code !== undefined ? `${text} (${code})` : err.message
}
