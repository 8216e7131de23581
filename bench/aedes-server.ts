/**
 * Aedes as a stand-alone broker for the comparison (`node dist/bench/aedes-server.js --port P`):
 * its defaults (in-memory persistence and mqemitter), plain MQTT on 127.0.0.1, TCP_NODELAY on every
 * socket as the other brokers have. SIGTERM or SIGINT closes it.
 */
import net from 'node:net'
import { Aedes } from 'aedes'

const at = process.argv.indexOf('--port')
const port = at >= 0 ? Number(process.argv[at + 1]) : 1883

const broker = await Aedes.createBroker()
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
