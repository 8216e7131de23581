/**
 * `trace.start`: a live trace of clients and topics as a control stream (`mqttctl trace`).
 *
 * The params are validated (unknown payload mode, invalid topic filter, no selector → INVALID),
 * then a session is started on the engine's Tracer whose sink is the stream's sink: the control
 * server bounds it (a slow reader loses events, counted, and never slows the broker). Cancelling
 * the stream, or the reader going away, stops the session; when the last one stops,
 * `engine.tracer.active` is false again and tracing costs nothing.
 *
 * On a cluster node the trace runs on every node (src/control/handlers/trace-relay.ts): the other
 * nodes stream their events here, and every event, this node's too, carries its `node`.
 */
import { parseTraceSelectors, TraceSpecError } from '../../tracing/filters.js'
import { ControlError, type ControlServer } from '../server.js'
import { ControlErrorCode } from '../schema.js'
import type { BrokerView } from './context.js'
import { startLocalTrace, TraceRelay } from './trace-relay.js'

export function registerTraceHandlers (server: ControlServer, broker: BrokerView): void {
  const relay = broker.cluster === null ? null : new TraceRelay(broker.cluster, broker.tracer, broker.log)
  const node = broker.config.node_name
  server.stream('trace.start', (params, sink) => {
    let selectors
    try {
      selectors = parseTraceSelectors(params)
    } catch (err) {
      if (err instanceof TraceSpecError) throw new ControlError(ControlErrorCode.Invalid, err.message)
      throw err
    }
    if (relay === null) return startLocalTrace(broker.tracer, broker.log, selectors, (event) => { sink.emit(event) })
    const stopHere = startLocalTrace(broker.tracer, broker.log, selectors, (event) => { sink.emit({ ...event, node }) })
    const stopThere = relay.follow(selectors, (event) => { sink.emit(event) })
    return () => {
      stopHere()
      stopThere()
    }
  })
}
