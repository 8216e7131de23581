/**
 * The Lua scripts of cluster membership. Each runs atomically in Redis and reads the time from
 * Redis (`TIME`), so leases mean the same on every node whatever the nodes' own clocks say.
 *
 * KEYS and ARGV are listed above each script; the node hash fields are those of `cluster status`.
 */

/** Redis time in ms, as the first lines of every script. */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

/**
 * JOIN. KEYS: nodes, node hash, incarnation counter, routes hash, log.
 * ARGV: name, lease ms, pid, host, version, advertise, log max length, this process's previous
 * incarnation (0 at its first join).
 * Refuses a name whose lease still runs: {'taken', host, pid, last heartbeat, now}. Otherwise takes
 * a new incarnation (above the previous one even when Redis lost its counter), replaces the node's hash and routes (a previous incarnation's are stale) and
 * announces the join: {'ok', incarnation, now, id of the join entry in the log}.
 */
export const JOIN = `${NOW}
local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
if lease and tonumber(lease) > now then
  local h = redis.call('HMGET', KEYS[2], 'host', 'pid', 'heartbeat')
  return {'taken', h[1] or '', h[2] or '', h[3] or '', tostring(now)}
end
local inc = redis.call('INCR', KEYS[3])
if inc <= tonumber(ARGV[8]) then
  inc = tonumber(ARGV[8]) + 1
  redis.call('SET', KEYS[3], inc)
end
redis.call('DEL', KEYS[2], KEYS[4])
redis.call('HSET', KEYS[2], 'incarnation', inc, 'pid', ARGV[3], 'host', ARGV[4], 'version', ARGV[5],
  'advertise', ARGV[6], 'state', 'up', 'started', now, 'heartbeat', now,
  'clients', 0, 'subscriptions', 0, 'rate_in', 0, 'rate_out', 0)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local id = redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[7], '*', 'k', 'join', 'n', ARGV[1], 'i', inc)
return {'ok', tostring(inc), tostring(now), id}
`

/**
 * HEARTBEAT. KEYS: nodes, node hash.
 * ARGV: name, incarnation, lease ms, state, clients, subscriptions, rate in, rate out, advertise.
 * {'fenced', now} when the hash belongs to another incarnation, {'expired', now} when the lease ran
 * out (other nodes may have counted this one down); else extends the lease, updates the hash and
 * returns {'ok', now, name1, lease1, name2, lease2, ...} (every node's lease).
 */
export const HEARTBEAT = `${NOW}
if redis.call('HGET', KEYS[2], 'incarnation') ~= ARGV[2] then return {'fenced', tostring(now)} end
local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not lease or tonumber(lease) < now then return {'expired', tostring(now)} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], 'heartbeat', now, 'state', ARGV[4], 'clients', ARGV[5],
  'subscriptions', ARGV[6], 'rate_in', ARGV[7], 'rate_out', ARGV[8], 'advertise', ARGV[9])
local out = {'ok', tostring(now)}
local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #all do out[#out + 1] = all[i] end
return out
`

/**
 * LEAVE. KEYS: nodes, node hash, routes hash, log. ARGV: name, incarnation, log max length.
 * Removes the node at once, if it is still this incarnation's: 1 when it left, 0 when another
 * incarnation holds the name.
 */
export const LEAVE = `
if redis.call('HGET', KEYS[2], 'incarnation') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', 'k', 'leave', 'n', ARGV[1], 'i', ARGV[2])
return 1
`

/**
 * ROUTES. KEYS: routes hash, node hash, log. ARGV: name, incarnation, log max length, added keys,
 * removed keys (each NUL-separated), barrier ('1' when a SUBACK waits for the other nodes).
 * Writes the node's route changes and announces them in one log entry; returns the entry's id, or
 * nil when another incarnation holds the name (this one is fenced: it rejoins and writes all again).
 */
export const ROUTES = `
if redis.call('HGET', KEYS[2], 'incarnation') ~= ARGV[2] then return false end
local function each (joined, chunk, fn)
  local batch = {}
  for key in string.gmatch(joined, '([^%z]+)') do
    batch[#batch + 1] = key
    if #batch >= chunk then fn(batch); batch = {} end
  end
  if #batch > 0 then fn(batch) end
end
each(ARGV[4], 500, function (keys)
  local args = {}
  for i = 1, #keys do args[#args + 1] = keys[i]; args[#args + 1] = '1' end
  redis.call('HSET', KEYS[1], unpack(args))
end)
each(ARGV[5], 1000, function (keys) redis.call('HDEL', KEYS[1], unpack(keys)) end)
return redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'k', 'route', 'n', ARGV[1], 'i', ARGV[2],
  'a', ARGV[4], 'r', ARGV[5], 'b', ARGV[6])
`

/**
 * CLAIM. KEYS: clients hash. ARGV: client id, `<node> <incarnation>`. Takes the client id for this
 * node and returns who held it before (nil when nobody).
 */
export const CLAIM = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return old
`

/**
 * UNCLAIM. KEYS: clients hash. ARGV: client id, this node's value, the value to put back. Gives a
 * claim back to its previous holder when the CONNECT that made it was refused (only if still ours).
 */
export const UNCLAIM = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
`

/**
 * RELEASE. KEYS: clients hash. ARGV: `<node> ` (with the space), client ids. Frees the ids this
 * node still holds (whatever its incarnation); an id another node claimed meanwhile stays theirs.
 */
export const RELEASE = `
local n = string.len(ARGV[1])
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and string.sub(v, 1, n) == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1
`

/**
 * RECONCILE. KEYS: clients hash. ARGV: `<node> `, `<node> <incarnation>`, client ids. For sessions
 * this node restored from its store: each id nobody holds (or this node held) is this node's
 * again; returns the ids other nodes hold now (their sessions moved on while this node was away).
 */
export const RECONCILE = `
local n = string.len(ARGV[1])
local taken = {}
for i = 3, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if (not v) or string.sub(v, 1, n) == ARGV[1] then redis.call('HSET', KEYS[1], ARGV[i], ARGV[2])
  else taken[#taken + 1] = ARGV[i] end
end
return taken
`
