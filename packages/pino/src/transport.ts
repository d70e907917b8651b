/**
 * The transport: options → producer, lines → records, producer events → the stream's events,
 * stream end → a bounded close. Used unchanged as a pino.transport worker target and in-process.
 */
import { writeSync } from 'node:fs'
import { createMetricsForwarder, createProducer, refusalReason, reportAdapterDrop, type Producer, type ProducerStats } from '@logship/producer'
import { LineStream, type LineHandlers } from './line-reader.js'
import { leadingFields, markTruncated } from './long-line.js'
import { createMapper, type Pairs } from './mapping.js'
import { DEFAULTS, PINO_END_WAIT_MS, resolveMapping, splitOptions, type LogshipPinoOptions } from './options.js'
import { receivePinoConfig } from './pino-config.js'
import type { ParsedTime } from './time.js'
import {
  createEventSink, deliveredPayload, dropPayload, errorPayload, failedPayload, inThreadStreamWorker,
  postWarning, retryPayload, type SummaryPayload
} from './worker-events.js'

export interface TransportStats extends ProducerStats {
  /** Lines the producer refused (it threw for them); reported as 'drop' with reason 'invalid_record', not counted in `dropped`. */
  invalid: number
  /** Values the producer cut to the per-log limit, plus lines over the reader's limit shipped as their head. */
  truncated: number
}

/**
 * What the transport counts itself: lines the producer refused as invalid (its `dropped` counts
 * them, this stream's `invalid` instead), and lines cut by the reader (added to `truncated`).
 */
interface LineCounts {
  invalid: number
  cut: number
}

/** The stream the factory returns. pino writes NDJSON to it; `end()` delivers and closes. */
export class LogshipStream extends LineStream {
  readonly #producer: Producer
  readonly #counts: LineCounts
  readonly #summary: Promise<SummaryPayload>

  /** @internal */
  constructor (producer: Producer, counts: LineCounts, summary: Promise<SummaryPayload>, handlers: LineHandlers) {
    super(handlers)
    this.#producer = producer
    this.#counts = counts
    this.#summary = summary
  }

  /**
   * The producer's counters, with the lines it refused as invalid in `invalid` rather than
   * `dropped`, and the lines cut by the reader in `truncated`.
   */
  stats (): TransportStats {
    const stats = this.#producer.stats()
    const { invalid, cut } = this.#counts
    return { ...stats, dropped: stats.dropped - invalid, invalid, truncated: stats.truncated + cut }
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
  /**
   * When the close must be over (a Date.now() time), if that is sooner than closeTimeoutMs after
   * the close starts; undefined: closeTimeoutMs. The CLI's deadline runs from the signal that ends
   * it, not from the end of stdin that follows.
   */
  closeBy?: () => number | undefined
  /**
   * Lines dropped before they reached this stream (destination() drops on the logging thread when
   * its worker stalls): added to the summary's `dropped` and to the loss line.
   */
  droppedElsewhere?: () => number
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
  const mapping = resolveMapping(split.mapping, await receivePinoConfig())
  // reuse: producer.send encodes the record before it returns, so one record object serves every line.
  const mapLine = createMapper(mapping, { reuse: true })
  const { closeTimeoutMs } = split
  if (closeTimeoutMs >= PINO_END_WAIT_MS && inThreadStreamWorker()) warnCloseTimeout(closeTimeoutMs)
  const counts: LineCounts = { invalid: 0, cut: 0 }
  let settle!: (summary: SummaryPayload) => void
  const summary = new Promise<SummaryPayload>((resolve) => { settle = resolve })

  const stream: LogshipStream = new LogshipStream(producer, counts, summary, {
    line (text) {
      send(text, 0, text.length, true)
    },
    range: send,
    cut: sendCut,
    // The metrics first: a scrape right after `await stream.flush()` sees what it delivered.
    flush: () => producer.flush().finally(() => metrics.flush()),
    close: () => closeProducer(),
    // In-process, a record logged after close(): dropped and told, like a send after close.
    late (chunk) {
      const { count, bytes } = countLines(typeof chunk === 'string' ? chunk : chunk.toString())
      if (count > 0) reportAdapterDrop(producer, 'closed', count, bytes)
    }
  })
  const emit = createEventSink(stream)

  function send (text: string, start: number, end: number, fresh: boolean): void {
    try {
      producer.send(mapLine(text, start, end, fresh))
    } catch (err) {
      refuse(err, Buffer.byteLength(text.slice(start, end)))
    }
  }

  /**
   * A line over the reader's limit, of which the head was kept: one record, the head as the
   * message with the truncation marker, after the fields that lead it when it is pino's JSON (level
   * and time come first), read by the mapping as the complete object they form.
   */
  function sendCut (head: string, dropped: number): void {
    counts.cut++
    try {
      const contents: Pairs = []
      let time: ParsedTime | undefined
      const leading = leadingFields(head)
      if (leading !== undefined) {
        const mapped = mapLine(leading)
        time = mapped.time
        // The message is the head itself; a message key among the leading fields would repeat it.
        for (const [key, value] of mapped.contents) if (key !== mapping.messageKey) contents.push([key, value])
      }
      contents.push([mapping.messageKey, markTruncated(head, dropped)])
      producer.send({ time, contents })
    } catch (err) {
      refuse(err, Buffer.byteLength(head) + dropped)
    }
  }

  function refuse (err: unknown, bytes: number): void {
    // Nothing a user logs may kill the worker: the producer counts the line and tells; draining goes on.
    const reason = refusalReason(err)
    if (reason === 'invalid_record') counts.invalid++
    reportAdapterDrop(producer, reason, 1, bytes, err as Error)
  }

  producer.on('delivered', (event) => emit('delivered', deliveredPayload(event)))
  producer.on('failed', (event) => emit('failed', failedPayload(event)))
  producer.on('retry', (event) => emit('retry', retryPayload(event)))
  producer.on('drop', (event) => emit('drop', dropPayload(event)))
  // Worker → main thread: the producer's diagnostics and metrics (registerMetrics(transport) applies them).
  producer.on('diagnostic', (record) => emit('diagnostic', record))
  const metrics = createMetricsForwarder(producer, (message) => emit('metrics', message))

  function closeTimeout (): number {
    const by = internal.closeBy?.()
    return by === undefined ? closeTimeoutMs : Math.max(0, Math.min(closeTimeoutMs, by - Date.now()))
  }

  function droppedElsewhere (): number {
    return internal.droppedElsewhere?.() ?? 0
  }

  async function closeProducer (): Promise<void> {
    let result: SummaryPayload
    try {
      const closed = await producer.close({ timeoutMs: closeTimeout() })
      const stats = producer.stats()
      result = {
        ...closed,
        dropped: closed.dropped - counts.invalid + droppedElsewhere(),
        accepted: stats.accepted,
        abandoned: stats.abandoned,
        invalid: counts.invalid,
        truncated: stats.truncated + counts.cut,
        closeTimeoutMs
      }
    } catch (err) {
      const stats = producer.stats()
      result = {
        delivered: stats.delivered,
        failed: stats.failed,
        dropped: stats.dropped - counts.invalid + droppedElsewhere(),
        pending: stats.pending,
        timedOut: false,
        accepted: stats.accepted,
        abandoned: stats.abandoned,
        invalid: counts.invalid,
        truncated: stats.truncated + counts.cut,
        closeTimeoutMs
      }
      report(`@logship/pino: close failed: ${errorPayload(err).message}`)
    }
    // The last metrics, with the requests a timed-out close aborted, before the summary.
    await metrics.end()
    emit('summary', result)
    if (internal.reportLosses !== false) {
      const lost = result.failed + result.dropped + result.pending + result.invalid
      if (lost > 0) report(lossLine(result))
    }
    settle(result)
  }

  return stream
}

let warnedCloseTimeout = false

/**
 * In a worker, pino stops waiting for the close after PINO_END_WAIT_MS (at exit and on
 * transport.end()): a longer closeTimeoutMs is cut short there, and what is still undelivered
 * is lost without the loss line. Once per worker (several targets may share one).
 */
function warnCloseTimeout (closeTimeoutMs: number): void {
  if (warnedCloseTimeout) return
  warnedCloseTimeout = true
  postWarning(`@logship/pino: closeTimeoutMs ${closeTimeoutMs} is not below pino's limit of ${PINO_END_WAIT_MS} ms: ` +
    `pino stops waiting for a worker transport's close after ${PINO_END_WAIT_MS / 1000} s (at exit and on transport.end()) ` +
    `and ends the worker, so records still undelivered then are lost without a report; ` +
    `use a value below ${PINO_END_WAIT_MS} (default ${DEFAULTS.closeTimeoutMs})`)
}

/** The lines of a chunk that are not blank (as the reader skips them), and their bytes without the line ends. */
function countLines (text: string): { count: number, bytes: number } {
  let count = 0
  let bytes = 0
  for (const line of text.split('\n')) {
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line
    if (trimmed.trim() === '') continue
    count++
    bytes += Buffer.byteLength(trimmed)
  }
  return { count, bytes }
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
