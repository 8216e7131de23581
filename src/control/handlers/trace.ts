/**
 * `trace.start`: a live trace of clients and topics as a control stream (`mqttctl trace`).
 *
 * The params are validated (unknown payload mode, invalid topic filter, no selector → INVALID),
 * then a session is started on the engine's Tracer whose sink is the stream's sink: the control
 * server bounds it (a slow reader loses events, counted, and never slows the broker). Cancelling
 * the stream, or the reader going away, stops the session; when the last one stops,
 * `engine.tracer.active` is false again and tracing costs nothing.
 */
import { parseTraceSelectors, TraceSpecError } from '../../tracing/filters.js'
import { ControlError, type ControlServer } from '../server.js'
import { ControlErrorCode } from '../schema.js'
import type { BrokerView } from './context.js'

export function registerTraceHandlers (server: ControlServer, broker: BrokerView): void {
  server.stream('trace.start', (params, sink) => {
    let selectors
    try {
      selectors = parseTraceSelectors(params)
    } catch (err) {
      if (err instanceof TraceSpecError) throw new ControlError(ControlErrorCode.Invalid, err.message)
      throw err
    }
    const stop = broker.tracer.start({ ...selectors, emit: (event) => { sink.emit(event) } })
    broker.log.info({ clients: selectors.clients, topics: selectors.topics, payload: selectors.payload }, 'trace started')
    return () => {
      stop()
      broker.log.info({ clients: selectors.clients, topics: selectors.topics }, 'trace stopped')
    }
  })
}
