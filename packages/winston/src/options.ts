/**
 * Splits the flat options a user passes to `new LogshipTransport()` into winston's transport
 * options, this adapter's own options and the producer's options, and validates all of them at
 * construction so that a bad config throws there, naming the option, and never later.
 */
import { createProducer, InvalidOptionError } from '@logship/producer'
import type { DiagnosticsLogger, ProducerOptions } from '@logship/producer'
import type { TransportStreamOptions } from 'winston-transport'
import type { NestedMode } from './mapping.js'

/** Options of `new LogshipTransport(options)`: the producer's options, flat, plus these. */
export interface LogshipTransportOptions extends ProducerOptions {
  /** winston: the most verbose level this transport takes (default: the logger's level). */
  level?: string
  /** winston: a format applied to this transport's copy of each info object. */
  format?: TransportStreamOptions['format']
  /** winston: drop everything. */
  silent?: boolean
  /** winston: log uncaught exceptions through this transport (and deliver them before exit). */
  handleExceptions?: boolean
  /** winston: log unhandled rejections through this transport. */
  handleRejections?: boolean
  /**
   * Run the producer in a worker thread (default true). Worker mode delivers records logged right
   * before `process.exit()` or an uncaught exception: the exit path waits, bounded by
   * `closeTimeoutMs`, for the worker to deliver. `false` runs the producer on the logging thread;
   * then only `logger.end()`, `flush()`, `close()` and a natural exit deliver (not `process.exit()`).
   */
  worker?: boolean
  /** Nested objects and arrays in meta: compact JSON (default) or flattened to dotted keys. */
  nested?: NestedMode
}

export interface SplitOptions {
  transport: TransportStreamOptions
  worker: boolean
  nested: NestedMode
  closeTimeoutMs: number
  producer: ProducerOptions
  /** Worker mode: the diagnostics logger stays on this thread; the worker forwards its records. */
  diagnosticsLogger: DiagnosticsLogger | undefined
}

/** The producer's own default (below pino's 10 s exit window); used when the option is not set. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 8000

const WINSTON_KEYS = ['level', 'format', 'silent', 'handleExceptions', 'handleRejections'] as const

export function splitOptions (options: LogshipTransportOptions): SplitOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError('options', options, 'an object of producer options plus winston transport options')
  }
  const { level, format, silent, handleExceptions, handleRejections, worker, nested, ...producer } = options

  if (level !== undefined && (typeof level !== 'string' || level === '')) throw new InvalidOptionError('level', level, 'a level name such as \'info\'')
  if (format !== undefined && (format === null || typeof (format as { transform?: unknown }).transform !== 'function')) {
    throw new InvalidOptionError('format', format, 'a logform format instance (e.g. winston.format.json())')
  }
  booleanOption('silent', silent)
  booleanOption('handleExceptions', handleExceptions)
  booleanOption('handleRejections', handleRejections)
  booleanOption('worker', worker)
  if (nested !== undefined && nested !== 'json' && nested !== 'flatten') throw new InvalidOptionError('nested', nested, "'json' or 'flatten'")

  const closeTimeoutMs = producer.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
  if (typeof closeTimeoutMs !== 'number' || !Number.isSafeInteger(closeTimeoutMs) || closeTimeoutMs < 1) {
    throw new InvalidOptionError('closeTimeoutMs', closeTimeoutMs, 'an integer >= 1 (ms)')
  }

  const transport: TransportStreamOptions = {}
  for (const key of WINSTON_KEYS) {
    if (options[key] !== undefined) (transport as Record<string, unknown>)[key] = options[key]
  }
  const useWorker = worker ?? true
  let diagnosticsLogger: DiagnosticsLogger | undefined
  let workerOptions: ProducerOptions = producer
  if (useWorker) {
    // The worker creates the real producer; creating (and dropping) one here makes a bad option
    // throw from this constructor, with the producer's own message, instead of inside the worker.
    createProducer(producer).destroy()
    // A logger cannot cross to the worker: the worker sends its diagnostics here instead.
    const diagnostics = producer.diagnostics
    if (diagnostics?.logger !== undefined) {
      const { logger, ...rest } = diagnostics
      diagnosticsLogger = logger
      workerOptions = { ...producer, diagnostics: { ...rest, destination: rest.destination ?? 'none' } }
    }
    assertCloneable(workerOptions)
  }
  return { transport, worker: useWorker, nested: nested ?? 'json', closeTimeoutMs, producer: workerOptions, diagnosticsLogger }
}

function booleanOption (name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw new InvalidOptionError(name, value, 'true or false')
}

/** Worker mode copies the producer options into the worker thread: they must survive that. */
function assertCloneable (producer: ProducerOptions): void {
  for (const [key, value] of Object.entries(producer)) {
    if (typeof value === 'function') {
      throw new InvalidOptionError(key, '(a function)',
        'a value that can be copied into the worker thread; a credentials provider function needs { worker: false }')
    }
    try {
      structuredClone(value)
    } catch {
      throw new InvalidOptionError(key, '(a value that cannot be copied)', 'plain data that can be copied into the worker thread, or { worker: false }')
    }
  }
}
