/**
 * @logship/pino: a pino transport for Volcengine TLS and Aliyun SLS.
 *
 *   pino(pino.transport({ target: '@logship/pino', options }))   // worker thread
 *   pino(opts, await logship(options))                           // in-process
 *   pino(opts, destination(options))                             // worker thread, shared ring
 */
import { createTransport, type LogshipStream } from './transport.js'
import type { LogshipPinoOptions } from './options.js'

/** The transport factory: pino's worker calls it with the options; in-process, await it yourself. */
export default function logship (options?: LogshipPinoOptions): Promise<LogshipStream> {
  return createTransport(options)
}

export { logship }
export { LogshipStream, type TransportStats } from './transport.js'
export { destination, LogshipDestination, type LogshipDestinationOptions } from './destination.js'
export { DEFAULTS, type LogshipPinoOptions, type MappingOptions } from './options.js'
export { createMapper, PINO_LEVELS, type MappedRecord, type MappingSettings } from './mapping.js'
export { parseTime } from './time.js'
export type {
  DeliveredPayload, DestinationPayload, DropPayload, ErrorPayload, FailedPayload, RetryPayload,
  SummaryPayload, TransportEvents
} from './worker-events.js'
