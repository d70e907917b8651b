/**
 * The transport: options → producer, lines → records, producer events → the stream's events,
 * stream end → a bounded close. Used unchanged as a pino.transport worker target and in-process.
 */
import { writeSync } from 'node:fs'
import { createMetricsForwarder, createProducer, type Producer, type ProducerStats } from '@logship/producer'
import { LineStream, type LineHandlers } from './line-reader.js'
import { createMapper } from './mapping.js'
import { resolveMapping, splitOptions, type LogshipPinoOptions } from './options.js'
import { receivePinoConfig } from './pino-config.js'
import {
  createEventSink, deliveredPayload, dropPayload, errorPayload, failedPayload, retryPayload,
  type SummaryPayload
} from './worker-events.js'

export interface TransportStats extends ProducerStats {
  /** Lines the producer refused (it threw for them); reported as 'drop' with reason 'invalid_record'. */
  invalid: number
}

/** The stream the factory returns. pino writes NDJSON to it; `end()` delivers and closes. */
export class LogshipStream extends LineStream {
  readonly #producer: Producer
  readonly #invalid: { count: number }
  readonly #summary: Promise<SummaryPayload>

  /** @internal */
  constructor (producer: Producer, invalid: { count: number }, summary: Promise<SummaryPayload>, handlers: LineHandlers) {
    super(handlers)
    this.#producer = producer
    this.#invalid = invalid
    this.#summary = summary
  }

  /** The producer's counters plus lines refused before they reached it. */
  stats (): TransportStats {
    return { ...this.#producer.stats(), invalid: this.#invalid.count }
  }

  /**
   * Ends the stream and resolves with the close summary once delivery finished or closeTimeoutMs
   * passed. Idempotent; also resolves when the stream was ended or destroyed another way.
   */
  close (): Promise<SummaryPayload> {
    if (!this.writableEnded && !this.destroyed) this.end()
    return this.#summary
  }
}

export interface InternalOptions {
  /** Write a line to stderr when records were not delivered at close (the CLI prints its own). */
  reportLosses?: boolean
}

export async function createTransport (options?: LogshipPinoOptions, internal: InternalOptions = {}): Promise<LogshipStream> {
  let producer: Producer
  let split: ReturnType<typeof splitOptions>
  try {
    split = splitOptions(options)
    producer = createProducer(split.producer)
  } catch (err) {
    throw startupError(err)
  }
  // reuse: producer.send encodes the record before it returns, so one record object serves every line.
  const mapLine = createMapper(resolveMapping(split.mapping, await receivePinoConfig()), { reuse: true })
  const { closeTimeoutMs } = split
  const invalid = { count: 0 }
  let settle!: (summary: SummaryPayload) => void
  const summary = new Promise<SummaryPayload>((resolve) => { settle = resolve })

  const stream: LogshipStream = new LogshipStream(producer, invalid, summary, {
    line (text) {
      send(text, 0, text.length, true)
    },
    range: send,
    flush: () => producer.flush(),
    close: () => closeProducer()
  })
  const emit = createEventSink(stream)

  function send (text: string, start: number, end: number, fresh: boolean): void {
    try {
      producer.send(mapLine(text, start, end, fresh))
    } catch (err) {
      // Nothing a user logs may kill the worker: count it and tell, then keep draining.
      invalid.count++
      const reason = (err as { code?: unknown }).code === 'LOGSHIP_PRODUCER_CLOSED' ? 'closed' : 'invalid_record'
      emit('drop', { reason, count: 1, bytes: Buffer.byteLength(text.slice(start, end)) })
    }
  }

  producer.on('delivered', (event) => emit('delivered', deliveredPayload(event)))
  producer.on('failed', (event) => emit('failed', failedPayload(event)))
  producer.on('retry', (event) => emit('retry', retryPayload(event)))
  producer.on('drop', (event) => emit('drop', dropPayload(event)))
  // Worker → main thread: the producer's diagnostics and metrics (registerMetrics(transport) applies them).
  producer.on('diagnostic', (record) => emit('diagnostic', record))
  const metrics = createMetricsForwarder(producer, (message) => emit('metrics', message))

  async function closeProducer (): Promise<void> {
    let result: SummaryPayload
    try {
      const closed = await producer.close({ timeoutMs: closeTimeoutMs })
      const stats = producer.stats()
      result = {
        ...closed,
        accepted: stats.accepted,
        abandoned: stats.abandoned,
        invalid: invalid.count,
        closeTimeoutMs
      }
    } catch (err) {
      const stats = producer.stats()
      result = {
        delivered: stats.delivered,
        failed: stats.failed,
        dropped: stats.dropped,
        pending: stats.pending,
        timedOut: false,
        accepted: stats.accepted,
        abandoned: stats.abandoned,
        invalid: invalid.count,
        closeTimeoutMs
      }
      report(`@logship/pino: close failed: ${errorPayload(err).message}`)
    }
    metrics.flush()
    metrics.stop()
    emit('summary', result)
    if (internal.reportLosses !== false) {
      const lost = result.failed + result.dropped + result.pending + result.invalid
      if (lost > 0) report(lossLine(result))
    }
    settle(result)
  }

  return stream
}

export function lossLine (s: SummaryPayload): string {
  const lost = s.failed + s.dropped + s.pending + s.invalid
  const parts = [`failed ${s.failed}`, `dropped ${s.dropped}`]
  if (s.invalid > 0) parts.push(`invalid ${s.invalid}`)
  parts.push(`not delivered within closeTimeoutMs ${s.closeTimeoutMs}: ${s.pending}`)
  return `@logship/pino: ${lost} records not delivered (delivered ${s.delivered}; ${parts.join(', ')})`
}

/**
 * Straight to fd 2: in a worker, process.stderr goes through the main thread, which may already
 * be exiting when the close finishes.
 */
function report (line: string): void {
  try {
    writeSync(2, line + '\n')
  } catch {
    // stderr closed: nothing else to do.
  }
}

function startupError (err: unknown): Error {
  if (err instanceof Error) {
    if (!err.message.startsWith('@logship/pino')) err.message = `@logship/pino: ${err.message}`
    return err
  }
  return new Error(`@logship/pino: ${String(err)}`)
}
