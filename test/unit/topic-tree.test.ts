import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { TopicTree } from '../../src/core/router/topic-tree.js'
import { topicMatches } from '../../src/protocol/topic.js'
import { randomFilter, randomTopic, seededRandom } from '../helpers/random-topics.js'

/** Every (filter, key) entry `tree.match(topic)` visits, as sorted `filter|key` strings. */
function visited<T> (tree: TopicTree<T>, topic: string): string[] {
  const seen: string[] = []
  tree.match(topic, (_value, key, filter) => seen.push(`${filter}|${key}`))
  return seen.sort()
}

describe('TopicTree entries', () => {
  test('add reports new pairs and replacements', () => {
    const tree = new TopicTree<number>()
    assert.equal(tree.add('a/b', 'c1', 1), true)
    assert.equal(tree.add('a/b', 'c2', 2), true)
    assert.equal(tree.add('a/b', 'c1', 3), false)
    assert.equal(tree.add('a/+', 'c1', 4), true)
    assert.equal(tree.size, 3)
    assert.equal(tree.filterCount, 2)
    assert.equal(tree.get('a/b', 'c1'), 3)
    assert.equal(tree.get('a/b', 'c2'), 2)
    assert.equal(tree.get('a/+', 'c1'), 4)
  })

  test('get misses unknown filters and keys', () => {
    const tree = new TopicTree<number>()
    tree.add('a/b/c', 'c1', 1)
    assert.equal(tree.get('a/b', 'c1'), undefined)
    assert.equal(tree.get('a/b/c', 'c2'), undefined)
    assert.equal(tree.get('a/+/c', 'c1'), undefined)
    assert.equal(tree.get('a/b/#', 'c1'), undefined)
  })

  test('wildcard levels are distinct from literal levels', () => {
    const tree = new TopicTree<string>()
    tree.add('a/+', 'k', 'plus')
    tree.add('a/#', 'k', 'hash')
    tree.add('a/b', 'k', 'literal')
    assert.equal(tree.get('a/+', 'k'), 'plus')
    assert.equal(tree.get('a/#', 'k'), 'hash')
    assert.equal(tree.get('a/b', 'k'), 'literal')
    assert.equal(tree.filterCount, 3)
  })

  test('entries lists every (filter, key, value)', () => {
    const tree = new TopicTree<number>()
    const added: [string, string, number][] = [
      ['#', 'c1', 1],
      ['a/+', 'c1', 2],
      ['a/+', 'c2', 3],
      ['/a//', 'c3', 4],
      ['$SYS/#', 'c4', 5],
    ]
    for (const [filter, key, value] of added) tree.add(filter, key, value)
    const listed = [...tree.entries()].sort((x, y) => x[2] - y[2])
    assert.deepEqual(listed, added)
  })

  test('empty tree lists nothing and matches nothing', () => {
    const tree = new TopicTree<number>()
    assert.deepEqual([...tree.entries()], [])
    assert.deepEqual(visited(tree, 'a/b'), [])
    assert.equal(tree.size, 0)
    assert.equal(tree.filterCount, 0)
    assert.equal(tree.nodeCount, 1)
  })
})

describe('TopicTree.match', () => {
  const filters = [
    'sport/tennis/player1/#',
    'sport/tennis/+',
    'sport/+',
    'sport/#',
    '+/+',
    '/+',
    '+',
    '#',
    '+/monitor/Clients',
    '$SYS/#',
    '$SYS/monitor/+',
    'a//b',
  ]
  const tree = new TopicTree<string>()
  for (const filter of filters) tree.add(filter, 'k', filter)

  const cases: [name: string, topic: string, expected: string[]][] = [
    ['[MQTT-4.7.1-2] sport/tennis/player1', 'sport/tennis/player1', ['sport/tennis/player1/#', 'sport/tennis/+', 'sport/#', '#']],
    ['[MQTT-4.7.1-2] sport/tennis/player1/ranking', 'sport/tennis/player1/ranking', ['sport/tennis/player1/#', 'sport/#', '#']],
    ['[MQTT-4.7.1-2] sport/tennis/player1/score/wimbledon', 'sport/tennis/player1/score/wimbledon', ['sport/tennis/player1/#', 'sport/#', '#']],
    ['[MQTT-4.7.1-2] sport/# matches sport; sport/+ does not', 'sport', ['sport/#', '+', '#']],
    ['[MQTT-4.7.1-3] sport/+ matches sport/', 'sport/', ['sport/+', 'sport/#', '+/+', '#']],
    ['[MQTT-4.7.1-3] +/+ and /+ match /finance; + does not', '/finance', ['+/+', '/+', '#']],
    ['[MQTT-4.7.2-1] # and +/monitor/Clients do not match $SYS/monitor/Clients', '$SYS/monitor/Clients', ['$SYS/#', '$SYS/monitor/+']],
    ['[MQTT-4.7.2-1] + and # do not match $SYS', '$SYS', ['$SYS/#']],
    ['[MQTT-4.7.2-1] non-$ topic with the same levels is matched by wildcards', 'SYS/monitor/Clients', ['+/monitor/Clients', '#']],
    ['empty levels are matched literally', 'a//b', ['#', 'a//b']],
    ['topic matching nothing but #', 'x/y/z', ['#']],
  ]
  for (const [name, topic, expected] of cases) {
    test(name, () => {
      assert.deepEqual(visited(tree, topic), expected.map((filter) => `${filter}|k`).sort())
    })
  }

  test('overlapping filters are each visited once', () => {
    const overlap = new TopicTree<number>()
    const overlapping = ['#', 'a/#', 'a/b/#', 'a/+', '+/b', '+/+', 'a/b', '+/#', 'a/+/#']
    for (const filter of overlapping) overlap.add(filter, 'c1', 1)
    overlap.add('a/c', 'c1', 1)
    overlap.add('b/#', 'c1', 1)
    assert.deepEqual(visited(overlap, 'a/b'), overlapping.map((filter) => `${filter}|c1`).sort())
  })

  test('the same key under two matching filters is visited twice', () => {
    const twice = new TopicTree<string>()
    twice.add('a/+', 'c1', 'x')
    twice.add('a/b', 'c1', 'y')
    const values: string[] = []
    twice.match('a/b', (value, key) => values.push(`${key}=${value}`))
    assert.deepEqual(values.sort(), ['c1=x', 'c1=y'])
  })

  test('several keys under one filter are each visited once', () => {
    const shared = new TopicTree<number>()
    shared.add('a/#', 'c1', 1)
    shared.add('a/#', 'c2', 2)
    shared.add('a/#', 'c3', 3)
    assert.deepEqual(visited(shared, 'a'), ['a/#|c1', 'a/#|c2', 'a/#|c3'])
  })

  test('visit receives the value, key and filter', () => {
    const single = new TopicTree<{ qos: number }>()
    const value = { qos: 1 }
    single.add('a/+', 'client-1', value)
    const calls: [unknown, string, string][] = []
    single.match('a/b', (v, key, filter) => calls.push([v, key, filter]))
    assert.equal(calls.length, 1)
    assert.equal(calls[0][0], value)
    assert.equal(calls[0][1], 'client-1')
    assert.equal(calls[0][2], 'a/+')
  })
})

describe('TopicTree.remove', () => {
  test('returns the removed value, undefined when absent', () => {
    const tree = new TopicTree<number>()
    tree.add('a/b', 'c1', 1)
    assert.equal(tree.remove('a/b', 'c2'), undefined)
    assert.equal(tree.remove('a/c', 'c1'), undefined)
    assert.equal(tree.remove('a', 'c1'), undefined)
    assert.equal(tree.remove('a/b', 'c1'), 1)
    assert.equal(tree.remove('a/b', 'c1'), undefined)
    assert.equal(tree.size, 0)
  })

  test('removing one key keeps the others and the siblings', () => {
    const tree = new TopicTree<number>()
    tree.add('a/b', 'c1', 1)
    tree.add('a/b', 'c2', 2)
    tree.add('a/b/c', 'c1', 3)
    tree.add('a/+', 'c1', 4)
    tree.remove('a/b', 'c1')
    assert.deepEqual(visited(tree, 'a/b'), ['a/+|c1', 'a/b|c2'])
    tree.remove('a/b', 'c2')
    assert.deepEqual(visited(tree, 'a/b'), ['a/+|c1'])
    assert.deepEqual(visited(tree, 'a/b/c'), ['a/b/c|c1'])
    assert.equal(tree.filterCount, 2)
    assert.equal(tree.size, 2)
  })

  test('removing a filter that is a prefix of another keeps the longer one', () => {
    const tree = new TopicTree<number>()
    tree.add('a', 'c1', 1)
    tree.add('a/#', 'c1', 2)
    tree.remove('a', 'c1')
    assert.deepEqual(visited(tree, 'a'), ['a/#|c1'])
    assert.equal(tree.nodeCount, 3)
  })

  test('removing everything prunes the tree back to its root', () => {
    const tree = new TopicTree<number>()
    const filters = ['#', '+', 'a', 'a/b', 'a/+/c', 'a/b/#', '/', '//+', '$SYS/#', 'x/y/z/w']
    for (const filter of filters) {
      tree.add(filter, 'c1', 1)
      tree.add(filter, 'c2', 2)
    }
    assert.equal(tree.size, filters.length * 2)
    assert.equal(tree.filterCount, filters.length)
    assert.ok(tree.nodeCount > 1)
    for (const filter of filters) {
      assert.equal(tree.remove(filter, 'c1'), 1)
      assert.equal(tree.remove(filter, 'c2'), 2)
    }
    assert.equal(tree.size, 0)
    assert.equal(tree.filterCount, 0)
    assert.equal(tree.nodeCount, 1)
    assert.deepEqual([...tree.entries()], [])
    assert.deepEqual(visited(tree, 'a/b'), [])
  })

  test('churn does not grow the tree', () => {
    const tree = new TopicTree<number>()
    tree.add('keep/#', 'c0', 0)
    const baseline = tree.nodeCount
    for (let i = 0; i < 1000; i++) {
      const filter = `device/${i}/+/status`
      tree.add(filter, `c${i}`, i)
      assert.equal(tree.remove(filter, `c${i}`), i)
    }
    assert.equal(tree.nodeCount, baseline)
    assert.equal(tree.size, 1)
  })
})

describe('TopicTree randomized cross-check against topicMatches', () => {
  test('match agrees with the reference matcher before and after removals', () => {
    const random = seededRandom(0x5eed1)
    const tree = new TopicTree<number>()
    const reference = new Map<string, Map<string, number>>()
    for (let i = 0; i < 3000; i++) {
      const filter = randomFilter(random)
      const key = `c${Math.floor(random() * 8)}`
      let keys = reference.get(filter)
      if (keys === undefined) reference.set(filter, (keys = new Map()))
      assert.equal(tree.add(filter, key, i), !keys.has(key))
      keys.set(key, i)
    }

    const check = (): void => {
      let entries = 0
      for (const keys of reference.values()) entries += keys.size
      assert.equal(tree.size, entries)
      assert.equal(tree.filterCount, reference.size)
      for (let i = 0; i < 1000; i++) {
        const topic = randomTopic(random)
        const expected: string[] = []
        for (const [filter, keys] of reference) {
          if (!topicMatches(filter, topic)) continue
          for (const [key, value] of keys) expected.push(`${filter}|${key}|${value}`)
        }
        const actual: string[] = []
        tree.match(topic, (value, key, filter) => actual.push(`${filter}|${key}|${value}`))
        assert.deepEqual(actual.sort(), expected.sort(), `topic ${JSON.stringify(topic)}`)
      }
    }

    check()
    for (const [filter, keys] of [...reference]) {
      for (const [key, value] of [...keys]) {
        if (random() < 0.5) continue
        assert.equal(tree.remove(filter, key), value)
        keys.delete(key)
      }
      if (keys.size === 0) reference.delete(filter)
    }
    check()

    for (const [filter, keys] of reference) {
      for (const key of keys.keys()) tree.remove(filter, key)
    }
    assert.equal(tree.size, 0)
    assert.equal(tree.filterCount, 0)
    assert.equal(tree.nodeCount, 1)
  })
})
