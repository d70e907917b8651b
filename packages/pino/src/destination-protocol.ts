/**
 * What destination() and its worker say to each other besides the ring: the worker's data, the
 * flush requests, and the worker's answers. Events use thread-stream's EVENT and WARNING
 * messages (worker-events.ts), so the transport code posts them the same way in both workers.
 */
import type { LogshipPinoOptions } from './options.js'
import type { SummaryPayload } from './worker-events.js'

export interface DestinationWorkerData {
  /** Marks the worker as destination()'s (worker-events.ts posts events from it). */
  logshipDestination: true
  memory: SharedArrayBuffer
  options: LogshipPinoOptions
}

/** Answer when every line written before the request is delivered: `upTo` is WRITE at the request. */
export interface FlushRequest { code: 'FLUSH', id: number, upTo: number }

export type ToDestinationWorker = FlushRequest

export type FromDestinationWorker =
  | { code: 'READY' }
  /** The transport could not start (its options were refused): nothing will be read. */
  | { code: 'FAILED', message: string }
  | { code: 'FLUSHED', id: number, error?: string }
  /** The close settled; no summary when it threw. */
  | { code: 'CLOSED', summary: SummaryPayload | undefined }
  | { code: 'EVENT', name: string, args: unknown[] }
  | { code: 'WARNING', err: string }
