/**
 * In-process mode: the producer runs on the logging thread. `end()`, `flush()`, `close()` and a
 * natural exit (the producer's own beforeExit flush) deliver; `process.exit()` and an uncaught
 * exception cannot be waited for, so what is still buffered then is lost.
 */
import { createMetricsForwarder, createProducer, type MetricsForwarder } from '@logship/producer'
import type { CloseSummary, Credentials, Producer, ProducerOptions, ProducerStats } from '@logship/producer'
import type { MappedRecord } from './mapping.js'
import type { EmitEvent, Sink } from './sink.js'

export class InProcessSink implements Sink {
  readonly mode = 'in-process'
  readonly #producer: Producer
  readonly #closeTimeoutMs: number
  readonly #emit: EmitEvent
  readonly #metrics: MetricsForwarder
  #closing: Promise<CloseSummary> | undefined
  /**
   * Records refused here, which the producer never counted (its send() threw: an invalid record,
   * or a record after close()). Added to its `dropped` in stats() and the close summary.
   */
  #dropped = 0

  constructor (options: ProducerOptions, closeTimeoutMs: number, emit: EmitEvent) {
    this.#producer = createProducer(options)
    this.#closeTimeoutMs = closeTimeoutMs
    this.#emit = emit
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
      const closed = this.#closing !== undefined
      this.#dropped++
      this.#emit('drop', { reason: closed ? 'closed' : 'invalid_record', count: 1, bytes: 0, error })
    }
  }

  kick (): void {
    // Send now rather than after lingerMs: winston gives an exception's record 3 s before it
    // exits, and nothing here can wait longer (see the module comment).
    this.flush().catch(() => {})
  }

  flush (): Promise<void> {
    return this.#producer.flush().then(() => undefined, () => undefined)
  }

  close (): Promise<CloseSummary> {
    this.#closing ??= this.#producer.close({ timeoutMs: this.#closeTimeoutMs }).catch(() => ({
      delivered: 0, failed: 0, dropped: 0, pending: 0, timedOut: true
    })).then((summary) => {
      this.#metrics.flush()
      this.#metrics.stop()
      return { ...summary, dropped: summary.dropped + this.#dropped }
    })
    return this.#closing
  }

  stats (): ProducerStats {
    const stats = this.#producer.stats()
    stats.dropped += this.#dropped
    return stats
  }

  setCredentials (credentials: Credentials): void {
    this.#producer.setCredentials(credentials)
  }
}
