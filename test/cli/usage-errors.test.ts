/**
 * Command-line mistakes (src/cli/usage-errors.ts, src/cli/hooks/command-not-found.ts): an unknown
 * command gets a "did you mean", an extra argument a usage error naming the command as typed;
 * all exit 64. None of them needs a broker.
 */
import { test, type TestContext } from 'node:test'
import { didYouMean } from '../../src/cli/usage-errors.js'
import { mqttctl, mqttctlJson, type CliErrorJson } from '../helpers/mqttctl.js'

test('an unknown command exits 64 with the nearest commands', async (t: TestContext) => {
  const cases: Array<[string[], RegExp]> = [
    [['stats'], /'stats' is not a mqttctl command; did you mean 'mqttctl state'\?/],
    [['client', 'lst'], /'client lst' is not a mqttctl command; did you mean 'mqttctl client list'\?/],
    [['sub', 'list'], /'sub list' is not a mqttctl command; did you mean 'mqttctl subscription list'\?/],
    [['xyzzy'], /'xyzzy' is not a mqttctl command\n/],
  ]
  const runs = await Promise.all(cases.map(async ([args]) => mqttctl(args)))
  runs.forEach((res, i) => {
    const [args, message] = cases[i]!
    t.assert.equal(res.code, 64, `${args.join(' ')}: ${res.stderr}`)
    t.assert.match(res.stderr, message)
    t.assert.match(res.stderr, /--help lists/)
    t.assert.equal(res.stdout, '')
  })
})

test('an extra argument names the command as typed (never status:extra) and exits 64', async (t: TestContext) => {
  const [status, list, show, json] = await Promise.all([
    mqttctl(['status', 'extra']),
    mqttctl(['client', 'list', 'a', 'b']),
    mqttctl(['client', 'show', 'a', 'b']),
    mqttctlJson<CliErrorJson>(['state', 'extra']),
  ])
  for (const res of [status, list, show, json]) {
    t.assert.equal(res.code, 64, res.stderr)
    t.assert.doesNotMatch(res.stdout + res.stderr, /status:extra|client:list|not found/)
  }
  t.assert.match(status.stderr, /mqttctl status takes no arguments, but was given 'extra'/)
  t.assert.match(list.stderr, /mqttctl client list takes no arguments, but was given 'a', 'b'/)
  t.assert.match(show.stderr, /mqttctl client show takes 1 argument \(ID\), but was also given 'b'/)
  t.assert.deepEqual(json.json.error, { code: 'UNEXPECTED_ARGUMENT', message: "mqttctl state takes no arguments, but was given 'extra'", exitCode: 64, suggestions: ['mqttctl state --help'] })
})

test('didYouMean: word prefixes first, then a typo within a few edits, else nothing', (t: TestContext) => {
  const commands = ['state', 'status', 'stop', 'client list', 'client show', 'subscription list', 'retained list', 'reset']
  t.assert.deepEqual(didYouMean('sub list', commands), ['subscription list'])
  t.assert.deepEqual(didYouMean('client sh', commands), ['client show'])
  t.assert.deepEqual(didYouMean('stat', commands), ['state', 'status'])
  t.assert.deepEqual(didYouMean('reste', commands), ['reset'])
  t.assert.deepEqual(didYouMean('xyzzy', commands), [])
})
