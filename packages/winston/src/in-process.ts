/**
 * In-process mode: the producer runs on the logging thread. `end()`, `flush()`, `close()` and a
 * natural exit (the producer's own beforeExit flush) deliver; `process.exit()` and an uncaught
 * exception cannot be waited for, so what is still buffered then is lost.
 */
import { createMetricsForwarder, createProducer, refusalReason, reportAdapterDrop, type MetricsForwarder } from '@logship/producer'
import type { CloseSummary, Credentials, Producer, ProducerOptions, ProducerStats } from '@logship/producer'
import type { MappedRecord } from './mapping.js'
import type { EmitEvent, Sink } from './sink.js'

export class InProcessSink implements Sink {
  readonly mode = 'in-process'
  readonly #producer: Producer
  readonly #closeTimeoutMs: number
  readonly #metrics: MetricsForwarder
  #closing: Promise<CloseSummary> | undefined

  constructor (options: ProducerOptions, closeTimeoutMs: number, emit: EmitEvent) {
    this.#producer = createProducer(options)
    this.#closeTimeoutMs = closeTimeoutMs
    for (const name of ['delivered', 'failed', 'retry', 'drop', 'diagnostic'] as const) {
      this.#producer.on(name, (event: unknown) => emit(name, event))
    }
    // The same metrics messages as in worker mode, so registerMetrics(transport) works in both.
    this.#metrics = createMetricsForwarder(this.#producer, (message) => emit('metrics', message))
  }

  write (record: MappedRecord): void {
    try {
      this.#producer.send(record)
    } catch (error) {
      // send() threw (an invalid record, or a record after close()): the producer counts it and
      // emits `drop`, with the error, which the constructor's listener re-emits on the transport.
      reportAdapterDrop(this.#producer, refusalReason(error), 1, 0, error as Error)
    }
  }

  kick (): void {
    // Send now rather than after lingerMs: winston gives an exception's record 3 s before it
    // exits, and nothing here can wait longer (see the module comment).
    this.flush().catch(() => {})
  }

  flush (): Promise<void> {
    // The metrics first: a scrape right after `await flush()` sees what it delivered.
    const done = (): void => { this.#metrics.flush() }
    return this.#producer.flush().then(done, done)
  }

  close (): Promise<CloseSummary> {
    this.#closing ??= this.#producer.close({ timeoutMs: this.#closeTimeoutMs }).catch(() => ({
      delivered: 0, failed: 0, dropped: this.#producer.stats().dropped, pending: 0, timedOut: true
    })).then(async (summary) => {
      // The last metrics, with the requests a timed-out close aborted (they end a moment later).
      await this.#metrics.end()
      // Records logged after the producer computed its summary (while its diagnostics closed) were
      // dropped as 'closed' since: they were logged before this resolves, so they belong in it.
      const dropped = this.#producer.stats().dropped
      return dropped > summary.dropped ? { ...summary, dropped } : summary
    })
    return this.#closing
  }

  stats (): ProducerStats {
    return this.#producer.stats()
  }

  setCredentials (credentials: Credentials): void {
    this.#producer.setCredentials(credentials)
  }
}
