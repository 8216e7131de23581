/** A control-channel client for tests, closed when the test ends. */
import type { TestContext } from 'node:test'
import { ControlClient } from '../../src/control/client.js'

export async function control (t: TestContext, socketPath: string): Promise<ControlClient> {
  const client = await ControlClient.connect(socketPath)
  t.after(() => { client.close() })
  return client
}
