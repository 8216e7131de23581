/**
 * Aedes as a stand-alone broker for the comparison (`node dist/bench/aedes-server.js --port P`):
 * its defaults (in-memory persistence and mqemitter), plain MQTT on 127.0.0.1, TCP_NODELAY on every
 * socket as the other brokers have. With `--redis URL` it is one node of an Aedes cluster: the
 * emitter is mqemitter-redis on that Redis (every node's messages go through Redis Pub/Sub, each
 * node receives those its local subscriptions match), persistence stays in memory (the cluster
 * scenarios use clean sessions and no retained messages, which is all aedes-persistence-redis
 * would share). SIGTERM or SIGINT closes it.
 */
import net from 'node:net'
import { Aedes } from 'aedes'

function arg (name: string): string | undefined {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}

const port = Number(arg('--port') ?? 1883)
const redis = arg('--redis')

const mq = redis === undefined ? undefined : (await import('mqemitter-redis')).default({ connectionString: redis })
const broker = await Aedes.createBroker(mq === undefined ? {} : { mq })
const server = net.createServer((socket) => {
  socket.setNoDelay(true)
  broker.handle(socket)
})
server.listen(port, '127.0.0.1')

const stop = (): void => {
  server.close()
  broker.close(() => { process.exit(0) })
  setTimeout(() => { process.exit(0) }, 2000).unref()
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
