import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import {
  TopicError,
  type TopicErrorCode,
  parseSharedFilter,
  topicMatches,
  validateTopicFilter,
  validateTopicName,
} from '../../src/protocol/topic.js'

const MAX_LENGTH = 65535
const MAX_LEVELS = 128

type ValidationCase = [name: string, input: string, expected: TopicErrorCode | null]

describe('validateTopicName', () => {
  const cases: ValidationCase[] = [
    ['[MQTT-4.7.3-1] empty topic name is rejected', '', TopicError.Empty],
    ['[MQTT-3.3.2-2] + is rejected in a topic name', 'a/+/b', TopicError.Wildcard],
    ['[MQTT-3.3.2-2] # is rejected in a topic name', 'a/#', TopicError.Wildcard],
    ['[MQTT-3.3.2-2] wildcard inside a level is rejected', 'a/b+c', TopicError.Wildcard],
    ['[MQTT-4.7.3-2] U+0000 is rejected', 'a/\u0000/b', TopicError.NullChar],
    ['plain topic is valid', 'sport/tennis/player1', null],
    ['single slash is valid', '/', null],
    ['empty levels are valid', 'a//b/', null],
    ['$SYS topic is valid', '$SYS/broker/uptime', null],
    ['spaces and unicode are valid', 'caf\u00e9 au lait/\u{1F600}', null],
  ]
  for (const [name, input, expected] of cases) {
    test(name, () => assert.equal(validateTopicName(input, MAX_LENGTH, MAX_LEVELS), expected))
  }

  const limitCases: [name: string, input: string, maxLength: number, maxLevels: number, expected: TopicErrorCode | null][] = [
    ['length equal to the limit is valid', 'abcd', 4, 10, null],
    ['length over the limit is rejected', 'abcde', 4, 10, TopicError.TooLong],
    ['length is counted in UTF-8 bytes (2-byte chars)', '\u00e9\u00e9', 4, 10, null],
    ['length is counted in UTF-8 bytes (2-byte chars over)', '\u00e9\u00e9\u00e9', 5, 10, TopicError.TooLong],
    ['length is counted in UTF-8 bytes (3-byte chars)', '\u20ac\u20ac', 6, 10, null],
    ['length is counted in UTF-8 bytes (3-byte chars over)', '\u20ac\u20ac', 5, 10, TopicError.TooLong],
    ['length is counted in UTF-8 bytes (surrogate pair)', '\u{1F600}', 4, 10, null],
    ['length is counted in UTF-8 bytes (surrogate pair over)', '\u{1F600}', 3, 10, TopicError.TooLong],
    ['levels equal to the limit are valid', 'a/b/c', 100, 3, null],
    ['levels over the limit are rejected', 'a/b/c/d', 100, 3, TopicError.TooManyLevels],
    ['empty levels count as levels', '//', 100, 2, TopicError.TooManyLevels],
  ]
  for (const [name, input, maxLength, maxLevels, expected] of limitCases) {
    test(name, () => assert.equal(validateTopicName(input, maxLength, maxLevels), expected))
  }
})

describe('validateTopicFilter', () => {
  const cases: ValidationCase[] = [
    ['[MQTT-4.7.3-1] empty filter is rejected', '', TopicError.Empty],
    ['[MQTT-4.7.1-2] # alone is valid', '#', null],
    ['[MQTT-4.7.1-2] # as the last level is valid', 'sport/tennis/#', null],
    ['[MQTT-4.7.1-2] # after an empty level is valid', '/#', null],
    ['[MQTT-4.7.1-2] # must be last', 'sport/#/ranking', TopicError.BadWildcard],
    ['[MQTT-4.7.1-2] # must occupy a whole level (suffix)', 'sport/tennis#', TopicError.BadWildcard],
    ['[MQTT-4.7.1-2] # must occupy a whole level (prefix)', 'sport/#tennis', TopicError.BadWildcard],
    ['[MQTT-4.7.1-2] ## is rejected', '##', TopicError.BadWildcard],
    ['[MQTT-4.7.1-2] #/ is rejected', '#/', TopicError.BadWildcard],
    ['[MQTT-4.7.1-3] + alone is valid', '+', null],
    ['[MQTT-4.7.1-3] + at several levels is valid', '+/tennis/+', null],
    ['[MQTT-4.7.1-3] + combined with # is valid', 'sport/+/#', null],
    ['[MQTT-4.7.1-3] + between empty levels is valid', '/+/', null],
    ['[MQTT-4.7.1-3] + must occupy a whole level (suffix)', 'sport+', TopicError.BadWildcard],
    ['[MQTT-4.7.1-3] + must occupy a whole level (prefix)', 'sport/+tennis', TopicError.BadWildcard],
    ['[MQTT-4.7.1-3] ++ is rejected', '++', TopicError.BadWildcard],
    ['[MQTT-4.7.3-2] U+0000 is rejected', 'a/\u0000', TopicError.NullChar],
    ['plain filter is valid', 'sport/tennis/player1', null],
    ['$SYS filter is valid', '$SYS/#', null],
    ['filter starting with $share is not parsed here', '$share/g/a', null],
  ]
  for (const [name, input, expected] of cases) {
    test(name, () => assert.equal(validateTopicFilter(input, MAX_LENGTH, MAX_LEVELS), expected))
  }

  test('length over the limit is rejected', () => {
    assert.equal(validateTopicFilter('a/+/#', 5, 10), null)
    assert.equal(validateTopicFilter('ab/+/#', 5, 10), TopicError.TooLong)
    assert.equal(validateTopicFilter('\u20ac/#', 4, 10), TopicError.TooLong)
  })

  test('levels over the limit are rejected', () => {
    assert.equal(validateTopicFilter('a/+/#', 100, 3), null)
    assert.equal(validateTopicFilter('a/+/b/#', 100, 3), TopicError.TooManyLevels)
  })

  test('a long ASCII filter within the limit is valid', () => {
    const filter = 'x'.repeat(MAX_LENGTH - 2) + '/#'
    assert.equal(validateTopicFilter(filter, MAX_LENGTH, MAX_LEVELS), null)
    assert.equal(validateTopicFilter('x' + filter, MAX_LENGTH, MAX_LEVELS), TopicError.TooLong)
  })
})

describe('parseSharedFilter', () => {
  const cases: [name: string, input: string, expected: ReturnType<typeof parseSharedFilter>][] = [
    ['non-shared filter returns null', 'sport/tennis', null],
    ['$share without a slash returns null', '$share', null],
    ['$shared prefix is not a share', '$shared/g/a', null],
    ['$SHARE is case-sensitive', '$SHARE/g/a', null],
    ['simple shared filter', '$share/g/a/b', { group: 'g', filter: 'a/b' }],
    ['shared filter with wildcards', '$share/consumers/sport/+/#', { group: 'consumers', filter: 'sport/+/#' }],
    ['shared filter of #', '$share/g/#', { group: 'g', filter: '#' }],
    ['filter part starting with a slash', '$share/g//finance', { group: 'g', filter: '/finance' }],
    ['filter part is returned unvalidated', '$share/g/a#', { group: 'g', filter: 'a#' }],
    ['[MQTT-4.8.2-1] missing filter part is invalid', '$share/grp', 'invalid'],
    ['[MQTT-4.8.2-1] empty filter part is invalid', '$share/grp/', 'invalid'],
    ['[MQTT-4.8.2-1] empty ShareName is invalid', '$share//x', 'invalid'],
    ['[MQTT-4.8.2-1] $share/ alone is invalid', '$share/', 'invalid'],
    ['[MQTT-4.8.2-2] ShareName with + is invalid', '$share/g+/a', 'invalid'],
    ['[MQTT-4.8.2-2] ShareName of + is invalid', '$share/+/a', 'invalid'],
    ['[MQTT-4.8.2-2] ShareName with # is invalid', '$share/g#/a', 'invalid'],
    ['[MQTT-4.8.2-2] ShareName ends at the first slash', '$share/g/h/a', { group: 'g', filter: 'h/a' }],
  ]
  for (const [name, input, expected] of cases) {
    test(name, () => assert.deepEqual(parseSharedFilter(input), expected))
  }
})

/** Matching examples; most are from MQTT 5.0 §4.7. */
const MATCH_CASES: [tag: string, filter: string, topic: string, matches: boolean][] = [
  ['[MQTT-4.7.1-2]', 'sport/tennis/player1/#', 'sport/tennis/player1', true],
  ['[MQTT-4.7.1-2]', 'sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
  ['[MQTT-4.7.1-2]', 'sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
  ['[MQTT-4.7.1-2]', 'sport/tennis/player1/#', 'sport/tennis/player2', false],
  ['[MQTT-4.7.1-2]', 'sport/tennis/player1/#', 'sport/tennis', false],
  ['[MQTT-4.7.1-2]', 'sport/#', 'sport', true],
  ['[MQTT-4.7.1-2]', '#', 'sport/tennis', true],
  ['[MQTT-4.7.1-2]', '#', '/', true],
  ['[MQTT-4.7.1-2]', 'a/#', 'a/', true],
  ['[MQTT-4.7.1-2]', 'a/#', 'ab', false],
  ['[MQTT-4.7.1-3]', 'sport/tennis/+', 'sport/tennis/player1', true],
  ['[MQTT-4.7.1-3]', 'sport/tennis/+', 'sport/tennis/player2', true],
  ['[MQTT-4.7.1-3]', 'sport/tennis/+', 'sport/tennis/player1/ranking', false],
  ['[MQTT-4.7.1-3]', 'sport/+', 'sport', false],
  ['[MQTT-4.7.1-3]', 'sport/+', 'sport/', true],
  ['[MQTT-4.7.1-3]', '+/+', '/finance', true],
  ['[MQTT-4.7.1-3]', '/+', '/finance', true],
  ['[MQTT-4.7.1-3]', '+', '/finance', false],
  ['[MQTT-4.7.1-3]', '+/tennis/#', 'sport/tennis', true],
  ['[MQTT-4.7.1-3]', '+/#', 'sport', true],
  ['[MQTT-4.7.1-3]', '+', 'a', true],
  ['[MQTT-4.7.1-3]', '+/+/+', 'a//c', true],
  ['[MQTT-4.7.2-1]', '#', '$SYS/monitor/Clients', false],
  ['[MQTT-4.7.2-1]', '+/monitor/Clients', '$SYS/monitor/Clients', false],
  ['[MQTT-4.7.2-1]', '$SYS/#', '$SYS/monitor/Clients', true],
  ['[MQTT-4.7.2-1]', '$SYS/monitor/+', '$SYS/monitor/Clients', true],
  ['[MQTT-4.7.2-1]', '+/#', '$SYS', false],
  ['[MQTT-4.7.2-1]', '$SYS/#', '$SYS', true],
  ['[MQTT-4.7.2-1]', 'a/+', 'a/$b', true],
  ['[MQTT-4.7.2-1]', 'a/#', 'a/$b', true],
  ['', 'sport/tennis', 'sport/tennis', true],
  ['', 'sport/tennis', 'sport/Tennis', false],
  ['', 'sport/tennis', 'sport/tennis/', false],
  ['', 'a//b', 'a//b', true],
  ['', 'a//b', 'a/b', false],
  ['', '/a', 'a', false],
]

describe('topicMatches', () => {
  for (const [tag, filter, topic, matches] of MATCH_CASES) {
    const name = `${tag ? tag + ' ' : ''}'${filter}' ${matches ? 'matches' : 'does not match'} '${topic}'`
    test(name, () => assert.equal(topicMatches(filter, topic), matches))
  }
})
