/**
 * The worker thread: owns the producer, takes record batches from the logging thread, forwards the
 * producer's events, answers flush and close, and publishes its counters in shared memory.
 * Once close() has settled it sets STATE_CLOSED, which releases a logging thread that is waiting
 * synchronously in its exit path.
 */
// A namespace import, as the producer's channels.ts: the typings have no default export.
import * as diagnosticsChannel from 'node:diagnostics_channel'
import { parentPort, workerData } from 'node:worker_threads'
import { CHANNELS, createMetricsForwarder, createProducer, refusalReason, reportAdapterDrop } from '@logship/producer'
import type { MetricsForwarder, Producer, ProducerStats } from '@logship/producer'
import type { Contents } from '../mapping.js'
import { decodeBatch } from './encode.js'
import { STATE_CLOSED, STATS_KEYS, toPlainError, toPlainEvent } from './protocol.js'
import type { FromWorker, RecordBatch, ToWorker, WorkerInit } from './protocol.js'

const init = workerData as WorkerInit
const port = parentPort!
const state = new Int32Array(init.state)
const stats = new Float64Array(init.stats)

function post (message: FromWorker): void {
  port.postMessage(message)
}

function markClosed (): void {
  Atomics.store(state, STATE_CLOSED, 1)
  Atomics.notify(state, STATE_CLOSED)
}

/** `final`: after the close, when the worker is about to end and its wire is destroyed: nothing is in flight. */
function publishStats (producer: Producer, final = false): void {
  const current: ProducerStats = producer.stats()
  if (final) current.inFlight = 0
  for (let i = 0; i < STATS_KEYS.length; i++) stats[i] = current[STATS_KEYS[i]]
}

function start (): void {
  let producer: Producer
  try {
    producer = createProducer(init.options)
  } catch (error) {
    post({ op: 'fatal', error: toPlainError(error) })
    markClosed()
    port.close()
    return
  }
  // Events cross only once the transport has a listener for them ('listen'): a message per batch
  // that nobody reads would cost the logging thread for nothing.
  const wanted = new Set<string>()
  for (const name of ['delivered', 'failed', 'retry', 'drop'] as const) {
    producer.on(name, (event: object) => {
      publishStats(producer)
      if (wanted.has(name)) post({ op: 'event', name, arg: toPlainEvent(event) })
    })
  }
  // Requests start and end with no record or event to publish the counters: in_flight_requests
  // and stats().requests would stand still while a request is held. This thread runs this producer
  // only, so the tracing channels are its own: one message per request, nothing per record.
  const onRequest = (): void => publishStats(producer)
  diagnosticsChannel.subscribe(CHANNELS.requestStart, onRequest)
  diagnosticsChannel.subscribe(CHANNELS.requestEnd, onRequest)
  // Diagnostics and metrics cross as plain data; the transport re-emits them in the logging thread.
  producer.on('diagnostic', (record) => {
    if (wanted.has('diagnostic')) post({ op: 'event', name: 'diagnostic', arg: record })
  })
  // The metrics forwarder starts with the first 'metrics' listener (registerMetrics): its first
  // message then introduces the producer, as it would have at startup.
  let metrics: MetricsForwarder | undefined

  let closing = false
  /**
   * The close has settled and been answered: batches still arriving were posted before the logging
   * thread read the answer; it counts them as dropped (`received` in the answer), so they are ignored here.
   */
  let settled = false
  /** Records taken in batches, up to the close answer. */
  let received = 0

  /** Key sequences of the shape form, by id (protocol.ts). */
  const shapes: string[][] = []

  function send (time: number | bigint, contents: Contents): void {
    try {
      producer.send({ time, contents })
    } catch (error) {
      // The producer counts it and emits `drop` (forwarded above when the transport listens).
      reportAdapterDrop(producer, refusalReason(error), 1, 0, error as Error)
    }
  }

  function ingest (items: RecordBatch): void {
    if (settled) return
    received += items[0] as number
    if (closing) {
      // Records that came after the close request: the producer counts them (published by its `drop` listener).
      reportAdapterDrop(producer, 'closed', items[0] as number, 0)
      return
    }
    decodeBatch(items, shapes, send)
    publishStats(producer)
  }

  port.on('message', (message: ToWorker) => {
    if (Array.isArray(message)) {
      ingest(message)
      return
    }
    switch (message.op) {
      case 'flush': {
        // The counters and metrics first: a scrape right after `await flush()` sees what it delivered.
        const answer = (): void => {
          publishStats(producer)
          metrics?.flush()
          post({ op: 'flushed', id: message.id })
        }
        producer.flush().then(answer, answer)
        break
      }
      case 'close':
        if (closing) break
        closing = true
        producer.close({ timeoutMs: Math.max(1, message.deadline - Date.now()) }).then(
          async (closeSummary) => {
            // The last metrics, with the requests a timed-out close aborted (they end a moment later).
            await metrics?.end()
            publishStats(producer, true)
            // Batches taken after the producer computed its summary (while its diagnostics closed)
            // were dropped as 'closed' since: they belong in it too.
            const dropped = producer.stats().dropped
            const summary = dropped > closeSummary.dropped ? { ...closeSummary, dropped } : closeSummary
            settled = true
            markClosed()
            post({ op: 'closed', id: message.id, summary, received })
          },
          () => {
            settled = true
            markClosed()
            post({ op: 'closed', id: message.id, summary: { delivered: 0, failed: 0, dropped: producer.stats().dropped, pending: 0, timedOut: true }, received })
          })
        break
      case 'listen':
        if (message.name === 'metrics') {
          if (!closing) metrics ??= createMetricsForwarder(producer, (m) => post({ op: 'event', name: 'metrics', arg: m as unknown as Record<string, unknown> }))
        } else {
          wanted.add(message.name)
        }
        break
      case 'credentials':
        try {
          producer.setCredentials(message.credentials)
        } catch (error) {
          // Not expected: the logging thread has checked them already (client.ts) and thrown there.
          post({ op: 'fatal', error: toPlainError(error) })
        }
        break
    }
  })
}

start()
