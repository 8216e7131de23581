/**
 * Mosquitto's `password_file` and `acl_file`, read into our accounts and topic rules for `mqttctl
 * account import --format mosquitto` and `mqttctl acl import --format mosquitto`. What maps is
 * mapped; a line that would not mean the same here is refused (EntryError naming the line), so an
 * import never widens access silently.
 *
 * Password file: `user:hash` lines, `$7$` (mosquitto_passwd 2.x) or `$6$` (1.x) hashes, kept as
 * they are (mosquitto-hash.ts); a plain-text line is refused. Blank lines and `#` comments skipped.
 *
 * ACL file (mosquitto.conf(5), acl_file):
 * - `topic [read|write|readwrite|deny] TOPIC` → a rule for the current `user`, or for anonymous
 *   clients before any `user` line; no access word means readwrite; `deny` is a deny rule for
 *   readwrite (Mosquitto too handles deny lines before the grants: a matching deny wins, as here).
 *   `%u`/`%c` in a `topic` line are literal in Mosquitto and would be substituted here: refused.
 * - `pattern [...] TOPIC` → a rule for every client, `%u` and `%c` substituted (whatever `user`
 *   line comes before it, as in Mosquitto).
 * - `user NAME` starts the rules of NAME (the rest of the line).
 * - A file without any `topic` or `pattern` line is refused: Mosquitto denies every topic with it,
 *   and no rule at all means open access here.
 * Writes under `$SYS` are refused to every client here: such a grant is imported with a warning
 * that it has no effect (narrower, never wider).
 */
import type { AccountEntry, TopicRuleEntry } from './schema.js'
import { ruleFilterProblem, usernameProblem } from '../auth/entry-checks.js'
import { parseMosquittoHash } from '../auth/mosquitto-hash.js'
import { isSysTopic } from '../auth/topic-rules.js'
import { EntryError } from './transfer-format.js'

const ACCESS = new Set(['read', 'write', 'readwrite', 'deny'])

export function parseMosquittoPasswords (text: string): AccountEntry[] {
  const out: AccountEntry[] = []
  const seen = new Set<string>()
  for (const { n, line } of lines(text)) {
    const colon = line.indexOf(':')
    if (colon < 0) throw new EntryError(`line ${n}: not a "user:hash" line`)
    const username = line.slice(0, colon)
    const hash = line.slice(colon + 1)
    const where = `line ${n} (user ${JSON.stringify(username)})`
    const problem = usernameProblem(username)
    if (problem !== null) throw new EntryError(`${where}: ${problem}`)
    if (parseMosquittoHash(hash) === null) {
      const plain = !hash.startsWith('$')
      throw new EntryError(`${where}: ${plain ? 'a plain-text password (hash the file with mosquitto_passwd -U first)' : 'not a Mosquitto $7$ (PBKDF2-SHA512) or $6$ (SHA512) hash'}`)
    }
    if (seen.has(username)) throw new EntryError(`${where}: the user appears twice`)
    seen.add(username)
    out.push({ username, hash })
  }
  return out
}

export function parseMosquittoAcl (text: string): { rules: TopicRuleEntry[]; warnings: string[] } {
  const rules: TopicRuleEntry[] = []
  const warnings: string[] = []
  let user: string | null = null
  for (const { n, line } of lines(text)) {
    const bad = (why: string): EntryError => new EntryError(`line ${n} (${JSON.stringify(line)}): ${why}`)
    const [keyword, rest] = splitWord(line)
    if (keyword === 'user') {
      const problem = rest === '' ? 'a user line names no user' : usernameProblem(rest)
      if (problem !== null) throw bad(problem)
      user = rest
      continue
    }
    if (keyword !== 'topic' && keyword !== 'pattern') throw bad(`'${keyword}' is not an acl_file keyword (topic, pattern, user)`)
    const [first, after] = splitWord(rest)
    if (first === '') throw bad('no topic')
    let access = 'readwrite'
    let topic = first
    if (after !== '') {
      if (!ACCESS.has(first)) throw bad(`'${first}' is not an access type (read, write, readwrite, deny)`)
      access = first
      topic = after
    }
    if (keyword === 'topic' && (topic.includes('%u') || topic.includes('%c'))) {
      throw bad('Mosquitto matches %u and %c literally in a topic line, and they would be substituted here (use a pattern line for substitution)')
    }
    const problem = ruleFilterProblem(topic)
    if (problem !== null) throw bad(problem)
    const deny = access === 'deny'
    if (!deny && access !== 'read' && isSysTopic(topic)) warnings.push(`line ${n}: no client writes under $SYS here, so the write part of this rule has no effect`)
    rules.push({
      subject: keyword === 'pattern' ? 'pattern' : user === null ? 'anonymous' : 'user',
      user: keyword === 'pattern' ? null : user,
      topic,
      access: deny ? 'readwrite' : access as TopicRuleEntry['access'],
      effect: deny ? 'deny' : 'allow',
    })
  }
  if (rules.length === 0) throw new EntryError('no topic or pattern line: Mosquitto denies every topic with such a file, and no rule at all means open access here')
  return { rules, warnings }
}

/** Non-blank, non-comment lines with their numbers, leading and trailing blanks removed. */
function * lines (text: string): Generator<{ n: number; line: string }> {
  const all = text.split('\n')
  for (let i = 0; i < all.length; i++) {
    const line = all[i].trim()
    if (line === '' || line.startsWith('#')) continue
    yield { n: i + 1, line }
  }
}

/** The first blank-separated word and the rest (leading blanks removed). */
function splitWord (s: string): [string, string] {
  const m = /^(\S*)\s*(.*)$/s.exec(s) as RegExpExecArray
  return [m[1], m[2]]
}
