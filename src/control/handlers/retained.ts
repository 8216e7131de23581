/** `retained.list` and `retained.clear`. */
import { validateTopicFilter } from '../../protocol/topic.js'
import { ControlError, type ControlServer } from '../server.js'
import { ControlErrorCode, type RetainedSummary } from '../schema.js'
import type { BrokerView } from './context.js'
import { retainedSummary } from './format.js'

export function registerRetainedHandlers (server: ControlServer, broker: BrokerView): void {
  const engine = broker.engine
  const checkFilter = (filter: string): void => {
    if (validateTopicFilter(filter, engine.config.max_topic_length, engine.config.max_topic_levels) !== null) {
      throw new ControlError(ControlErrorCode.Invalid, `'${filter}' is not a valid topic filter`)
    }
  }

  server.handle('retained.list', ({ topic = '#' }) => {
    checkFilter(topic)
    const items: RetainedSummary[] = []
    engine.retained.match(topic, Date.now(), (msg) => { items.push(retainedSummary(msg)) })
    items.sort((a, b) => a.topic.localeCompare(b.topic))
    return { items, total: items.length }
  })

  server.handle('retained.clear', ({ filter, dry_run: dryRun = false }) => {
    checkFilter(filter)
    const topics: string[] = []
    engine.retained.match(filter, Date.now(), (msg) => { topics.push(msg.topic) })
    if (!dryRun) for (const topic of topics) engine.retained.delete(topic)
    return { filter, matched: topics.length, cleared: dryRun ? 0 : topics.length }
  })
}
