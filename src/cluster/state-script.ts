/**
 * The Redis side of the cluster-wide state (docs/cluster.md, "Cluster-wide state"): its keys and
 * the Lua script that writes a batch of changes and announces it in the change log atomically.
 *
 * Keys (`P` = cluster.prefix): `P:retained` (hash topic → message, store codec, expiry in Redis
 * time), `P:records:<kind>` (hash id → JSON, kinds account, topic_rule, ip_rule) and `P:state`
 * (string: which node seeded the state, and when; its presence means Redis holds the cluster's
 * state and a joining node takes it from there).
 */
import type { SharedRecordKind } from '../auth/access-control.js'

/** The hashes of the shared state, in the order the script takes them (KEYS[1..4]). */
export const SHARED_HASHES = ['retained', 'account', 'topic_rule', 'ip_rule'] as const
export type SharedHash = typeof SHARED_HASHES[number]

/** The field of a `state` log entry that lists the changed keys of each hash (NUL-separated). */
export const LOG_FIELD: Readonly<Record<SharedHash, string>> = { retained: 'r', account: 'a', topic_rule: 't', ip_rule: 'p' }

/** The kind of the change-log entries the script writes. */
export const STATE_LOG_KIND = 'state'

export class StateKeys {
  /** Hash: topic → retained message. */
  readonly retained: string
  /** String: set once, by the node that seeded Redis with its state. */
  readonly seeded: string

  constructor (private readonly prefix: string) {
    this.retained = `${prefix}:retained`
    this.seeded = `${prefix}:state`
  }

  /** Hash: id → record JSON. */
  records (kind: SharedRecordKind): string {
    return `${this.prefix}:records:${kind}`
  }

  /** The key of `hash`. */
  of (hash: SharedHash): string {
    return hash === 'retained' ? this.retained : this.records(hash)
  }
}

/**
 * STATE. KEYS: retained, records:account, records:topic_rule, records:ip_rule, log.
 * ARGV: name, incarnation, log max length, then one triple per change: `<hash 1-4><op>`, key,
 * value. op `s` sets the key to value, `d` deletes it, `c` creates it (a new rule: it does not
 * overwrite another value there, a rule another node added under the same id meanwhile), `x`
 * deletes it only if the retained message there has expired (Redis time): a node that found its
 * copy expired must not clear a newer message another node set meanwhile. Appends one `state`
 * entry listing the keys changed, per hash; returns {entry id or '', then `<hash 1-4>` and key of
 * each create refused}.
 */
export const STATE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changed = {{}, {}, {}, {}}
local any = false
local refused = {''}
local function expiry (v)
  local len = struct.unpack('>I4', v, 3)
  return cjson.decode(string.sub(v, 7, 6 + len)).e
end
for i = 4, #ARGV, 3 do
  local h = tonumber(string.sub(ARGV[i], 1, 1))
  local op = string.sub(ARGV[i], 2, 2)
  local key = ARGV[i + 1]
  local done = true
  if op == 's' then
    redis.call('HSET', KEYS[h], key, ARGV[i + 2])
  elseif op == 'd' then
    redis.call('HDEL', KEYS[h], key)
  elseif op == 'c' then
    if redis.call('HSETNX', KEYS[h], key, ARGV[i + 2]) == 0 then
      done = false
      if redis.call('HGET', KEYS[h], key) ~= ARGV[i + 2] then
        refused[#refused + 1] = tostring(h)
        refused[#refused + 1] = key
      end
    end
  else
    done = false
    local v = redis.call('HGET', KEYS[h], key)
    if v then
      local ok, e = pcall(expiry, v)
      if ok and type(e) == 'number' and e ~= 0 and e <= now then
        redis.call('HDEL', KEYS[h], key)
        done = true
      end
    end
  end
  if done then
    local c = changed[h]
    c[#c + 1] = key
    any = true
  end
end
if not any then return refused end
local fields = {'k', 'state', 'n', ARGV[1], 'i', ARGV[2]}
local names = {'r', 'a', 't', 'p'}
for h = 1, 4 do
  if #changed[h] > 0 then
    fields[#fields + 1] = names[h]
    fields[#fields + 1] = table.concat(changed[h], '\\0')
  end
end
refused[1] = redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
return refused
`
