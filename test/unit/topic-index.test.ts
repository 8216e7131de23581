import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { TopicIndex } from '../../src/core/router/topic-index.js'
import { topicMatches } from '../../src/protocol/topic.js'
import { randomFilter, randomTopic, seededRandom } from '../helpers/random-topics.js'

/** Every topic `index.match(filter)` visits, sorted. */
function matched<T> (index: TopicIndex<T>, filter: string): string[] {
  const topics: string[] = []
  index.match(filter, (topic) => topics.push(topic))
  return topics.sort()
}

describe('TopicIndex storage', () => {
  test('set, get and replace', () => {
    const index = new TopicIndex<string>()
    index.set('a/b', 'one')
    index.set('a', 'two')
    assert.equal(index.size, 2)
    assert.equal(index.get('a/b'), 'one')
    assert.equal(index.get('a'), 'two')
    index.set('a/b', 'three')
    assert.equal(index.size, 2)
    assert.equal(index.get('a/b'), 'three')
  })

  test('get misses topics that are only prefixes or absent', () => {
    const index = new TopicIndex<number>()
    index.set('a/b/c', 1)
    assert.equal(index.get('a/b'), undefined)
    assert.equal(index.get('a/b/c/d'), undefined)
    assert.equal(index.get('x'), undefined)
  })

  test('wildcard characters in get are literal', () => {
    const index = new TopicIndex<number>()
    index.set('a/b', 1)
    assert.equal(index.get('a/+'), undefined)
    assert.equal(index.get('a/#'), undefined)
  })

  test('entries lists every (topic, value)', () => {
    const index = new TopicIndex<number>()
    const stored: [string, number][] = [
      ['a', 1],
      ['a/b', 2],
      ['/', 3],
      ['$SYS/uptime', 4],
      ['a//c', 5],
    ]
    for (const [topic, value] of stored) index.set(topic, value)
    assert.deepEqual([...index.entries()].sort((x, y) => x[1] - y[1]), stored)
  })

  test('an undefined value is still a stored value', () => {
    const index = new TopicIndex<number | undefined>()
    index.set('a', undefined)
    assert.equal(index.size, 1)
    assert.deepEqual(matched(index, '#'), ['a'])
    assert.equal(index.delete('a'), true)
    assert.equal(index.size, 0)
  })
})

describe('TopicIndex.match', () => {
  const topics = [
    'sport',
    'sport/',
    'sport/tennis',
    'sport/tennis/player1',
    'sport/tennis/player1/ranking',
    'sport/tennis/player1/score/wimbledon',
    'sport/tennis/player2',
    '/finance',
    '$SYS/monitor/Clients',
    '$SYS',
    'a//b',
  ]
  const index = new TopicIndex<string>()
  for (const topic of topics) index.set(topic, topic)

  const cases: [name: string, filter: string, expected: string[]][] = [
    [
      '[MQTT-4.7.1-2] sport/tennis/player1/# matches the parent and its children',
      'sport/tennis/player1/#',
      ['sport/tennis/player1', 'sport/tennis/player1/ranking', 'sport/tennis/player1/score/wimbledon'],
    ],
    [
      '[MQTT-4.7.1-2] sport/# matches sport and everything below',
      'sport/#',
      [
        'sport',
        'sport/',
        'sport/tennis',
        'sport/tennis/player1',
        'sport/tennis/player1/ranking',
        'sport/tennis/player1/score/wimbledon',
        'sport/tennis/player2',
      ],
    ],
    ['[MQTT-4.7.1-3] sport/tennis/+ matches one level only', 'sport/tennis/+', ['sport/tennis/player1', 'sport/tennis/player2']],
    ['[MQTT-4.7.1-3] sport/+ matches sport/ but not sport', 'sport/+', ['sport/', 'sport/tennis']],
    ['[MQTT-4.7.1-3] +/+ matches /finance', '+/+', ['/finance', 'sport/', 'sport/tennis']],
    ['[MQTT-4.7.1-3] /+ matches /finance', '/+', ['/finance']],
    ['[MQTT-4.7.1-3] + does not match /finance', '+', ['sport']],
    [
      '[MQTT-4.7.2-1] # does not match $SYS topics',
      '#',
      topics.filter((topic) => !topic.startsWith('$')),
    ],
    ['[MQTT-4.7.2-1] +/monitor/Clients does not match $SYS/monitor/Clients', '+/monitor/Clients', []],
    ['[MQTT-4.7.2-1] $SYS/# matches $SYS/monitor/Clients', '$SYS/#', ['$SYS', '$SYS/monitor/Clients']],
    ['[MQTT-4.7.2-1] $SYS/monitor/+ matches $SYS/monitor/Clients', '$SYS/monitor/+', ['$SYS/monitor/Clients']],
    ['[MQTT-4.7.2-1] +/# does not match $SYS topics', '+/#', topics.filter((topic) => !topic.startsWith('$'))],
    ['exact filter matches its topic only', 'sport/tennis', ['sport/tennis']],
    ['empty levels are matched literally', 'a//b', ['a//b']],
    ['+ matches an empty level', 'a/+/b', ['a//b']],
    ['filter matching nothing', 'x/#', []],
  ]
  for (const [name, filter, expected] of cases) {
    test(name, () => assert.deepEqual(matched(index, filter), [...expected].sort()))
  }

  test('visit receives the stored topic and value', () => {
    const values = new TopicIndex<{ payload: string }>()
    const value = { payload: 'on' }
    values.set('home/lamp', value)
    const calls: [string, unknown][] = []
    values.match('home/+', (topic, v) => calls.push([topic, v]))
    assert.equal(calls.length, 1)
    assert.equal(calls[0][0], 'home/lamp')
    assert.equal(calls[0][1], value)
  })

  test('$ levels below the root are matched by wildcards', () => {
    const nested = new TopicIndex<number>()
    nested.set('a/$b', 1)
    assert.deepEqual(matched(nested, 'a/+'), ['a/$b'])
    assert.deepEqual(matched(nested, 'a/#'), ['a/$b'])
    assert.deepEqual(matched(nested, '+/$b'), ['a/$b'])
  })
})

describe('TopicIndex.delete', () => {
  test('returns whether a value was removed', () => {
    const index = new TopicIndex<number>()
    index.set('a/b', 1)
    assert.equal(index.delete('a'), false)
    assert.equal(index.delete('a/b/c'), false)
    assert.equal(index.delete('a/b'), true)
    assert.equal(index.delete('a/b'), false)
    assert.equal(index.size, 0)
  })

  test('deleting a parent keeps its children, deleting a child keeps its parent', () => {
    const index = new TopicIndex<number>()
    index.set('a', 1)
    index.set('a/b', 2)
    index.set('a/b/c', 3)
    index.delete('a/b')
    assert.deepEqual(matched(index, '#'), ['a', 'a/b/c'])
    index.delete('a/b/c')
    assert.deepEqual(matched(index, '#'), ['a'])
    assert.equal(index.nodeCount, 2)
  })

  test('deleting everything prunes the index back to its root', () => {
    const index = new TopicIndex<number>()
    const topics = ['a', 'a/b', 'a/b/c', '/', '//', '$SYS/x', 'x/y/z/w', 'a/c']
    topics.forEach((topic, i) => index.set(topic, i))
    assert.ok(index.nodeCount > 1)
    for (const topic of topics) assert.equal(index.delete(topic), true)
    assert.equal(index.size, 0)
    assert.equal(index.nodeCount, 1)
    assert.deepEqual([...index.entries()], [])
    assert.deepEqual(matched(index, '#'), [])
  })

  test('churn does not grow the index', () => {
    const index = new TopicIndex<number>()
    index.set('keep/this', 0)
    const baseline = index.nodeCount
    for (let i = 0; i < 1000; i++) {
      const topic = `device/${i}/status`
      index.set(topic, i)
      assert.equal(index.delete(topic), true)
    }
    assert.equal(index.nodeCount, baseline)
    assert.equal(index.size, 1)
  })
})

describe('TopicIndex randomized cross-check against topicMatches', () => {
  test('match agrees with the reference matcher before and after deletions', () => {
    const random = seededRandom(0x5eed2)
    const index = new TopicIndex<number>()
    const reference = new Map<string, number>()
    for (let i = 0; i < 3000; i++) {
      const topic = randomTopic(random)
      index.set(topic, i)
      reference.set(topic, i)
    }

    const check = (): void => {
      assert.equal(index.size, reference.size)
      for (let i = 0; i < 1000; i++) {
        const filter = randomFilter(random)
        const expected: string[] = []
        for (const [topic, value] of reference) {
          if (topicMatches(filter, topic)) expected.push(`${topic}|${value}`)
        }
        const actual: string[] = []
        index.match(filter, (topic, value) => actual.push(`${topic}|${value}`))
        assert.deepEqual(actual.sort(), expected.sort(), `filter ${JSON.stringify(filter)}`)
      }
    }

    check()
    for (const topic of [...reference.keys()]) {
      if (random() < 0.5) continue
      assert.equal(index.delete(topic), true)
      reference.delete(topic)
    }
    check()

    for (const topic of reference.keys()) index.delete(topic)
    assert.equal(index.size, 0)
    assert.equal(index.nodeCount, 1)
  })
})
