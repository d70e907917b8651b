/**
 * Worker mode, logging-thread side. Records are mapped here (an info object cannot be cloned),
 * collected in a batch, and posted to the worker once per turn of the event loop (sooner when the
 * batch grows large). The worker is unref()'d, so it never keeps the process alive, except
 * while a flush() or close() waits for its answer. At exit the shared exit hook hands the worker
 * the last batch and a close request and waits for it synchronously, bounded by closeTimeoutMs.
 */
import { Worker } from 'node:worker_threads'
import { checkCredentials } from '@logship/producer'
import type { CloseSummary, Credentials, ProducerOptions, ProducerStats } from '@logship/producer'
import type { MappedRecord } from '../mapping.js'
import type { EmitEvent, Sink } from '../sink.js'
import { registerForExit, unregisterForExit } from './exit.js'
import type { ExitParticipant } from './exit.js'
import { ShapeEncoder } from './encode.js'
import { FORWARDED_EVENTS, fromPlainError, fromPlainEvent, MAPPED, STATE_CLOSED, STATE_SLOTS, STATS_KEYS } from './protocol.js'
import type { ForwardedEvent, FromWorker, RecordBatch, ToWorker, WorkerInit } from './protocol.js'

const WORKER_FILE = new URL('./worker.js', import.meta.url)
/**
 * A batch of this many records is posted at once rather than at the end of the turn. Small enough
 * that the batch array stays an ordinary young object: at 4096 records (~49,000 slots) it lived in
 * V8's large-object space and every growth step reallocated it there, which cost the logging
 * thread ~0.2 µs more per record (measured side by side; the worker's per-message cost is
 * negligible at this size).
 */
const BATCH_RECORDS = 512
/** After the close deadline the worker still needs a moment to report; then it is given up on. */
const REPORT_GRACE_MS = 250
const WORKER_LOST_GRACE_MS = 1000


export class WorkerSink implements Sink, ExitParticipant {
  readonly mode = 'worker'
  readonly #worker: Worker
  readonly #state: Int32Array
  readonly #stats: Float64Array
  readonly #closeTimeoutMs: number
  readonly #emit: EmitEvent
  /** `[count, record, …]` (protocol.ts); slot 0 is filled in when the batch is posted. */
  #batch: RecordBatch = [0]
  #batchRecords = 0
  readonly #encoder = new ShapeEncoder()
  readonly #listened = new Set<string>()
  #scheduled = false
  #nextId = 0
  /** Records handed to the worker (or queued for it): what a silent worker's summary is judged against. */
  #written = 0
  /** Records posted to the worker: those it did not take before answering its close are dropped here. */
  #posted = 0
  /** Records dropped on this thread, never seen by the worker: it had exited, or close() had settled. */
  #droppedHere = 0
  readonly #waiting = new Map<number, (message: FromWorker | undefined) => void>()
  #exited = false
  /** The worker answered close() (or never will): it takes nothing more and is being terminated. */
  #released = false
  #closeDeadline = 0
  #closing: Promise<CloseSummary> | undefined
  /** Id of close()'s request; its answer releases the worker (#release). */
  #closeId = -1
  /** Records #release dropped: they go into the close summary. */
  #droppedAtRelease = 0

  constructor (options: ProducerOptions, closeTimeoutMs: number, emit: EmitEvent) {
    this.#closeTimeoutMs = closeTimeoutMs
    this.#emit = emit
    const state = new SharedArrayBuffer(STATE_SLOTS * Int32Array.BYTES_PER_ELEMENT)
    const stats = new SharedArrayBuffer(STATS_KEYS.length * Float64Array.BYTES_PER_ELEMENT)
    this.#state = new Int32Array(state)
    this.#stats = new Float64Array(stats)
    const workerData: WorkerInit = { options, state, stats }
    // execArgv: [] keeps the app's loaders and preloads (APM agents, tsx) out of the log worker.
    this.#worker = new Worker(WORKER_FILE, { workerData, execArgv: [], name: 'logship-winston' })
    this.#worker.on('message', (message: FromWorker) => this.#onMessage(message))
    this.#worker.on('error', (error) => emit('warn', error))
    this.#worker.on('exit', (code) => this.#onExit(code))
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.#worker.unref()
    // flushOnExit: false opts out of the exit wait, as it opts the producer out of its exit flush:
    // what is not delivered when the process exits is lost, and the exit is not held for it.
    if (options.flushOnExit !== false) registerForExit(this)
  }

  write (record: MappedRecord): void {
    this.#batch.push(MAPPED, record.time, record.contents)
    this.#added()
  }

  /** The shape form (encode.ts): false when the record needs mapInfo and write(). */
  writeInfo (info: Record<string | symbol, unknown>): boolean {
    if (!this.#encoder.encode(info, Date.now(), this.#batch)) return false
    this.#added()
    return true
  }

  #added (): void {
    this.#written++
    if (++this.#batchRecords >= BATCH_RECORDS) this.#post()
    else if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#onTurn)
    }
  }

  kick (): void {
    this.#post()
    if (!this.#exited && this.#closing === undefined) this.#request({ op: 'flush', id: 0 })
  }

  flush (): Promise<void> {
    this.#post()
    if (this.#exited || this.#closing !== undefined) return this.#closing?.then(() => undefined) ?? Promise.resolve()
    return this.#ask({ op: 'flush', id: ++this.#nextId }).then(() => undefined)
  }

  close (): Promise<CloseSummary> {
    if (this.#closing !== undefined) return this.#closing
    this.#post()
    this.#closeDeadline = Date.now() + this.#closeTimeoutMs
    this.#closeId = ++this.#nextId
    const asked = this.#exited
      ? Promise.resolve(undefined)
      : this.#ask({ op: 'close', id: this.#closeId, deadline: this.#closeDeadline }, this.#closeTimeoutMs + WORKER_LOST_GRACE_MS)
    this.#closing = asked.then((message) => {
      this.#released = true
      unregisterForExit(this)
      void this.#worker.terminate().catch(() => {})
      if (message?.op !== 'closed') return this.#unansweredSummary()
      const summary = message.summary
      return this.#droppedAtRelease === 0 ? summary : { ...summary, dropped: summary.dropped + this.#droppedAtRelease }
    })
    return this.#closing
  }

  /**
   * The worker answered close(): it takes nothing more (worker.ts ignores later batches). Run as the
   * answer arrives, before any other code of this thread, so no batch is posted after it. What the
   * worker did not take (batches in flight when it answered) and the batch not posted yet are
   * dropped here, counted and reported once, and go into the close summary.
   */
  #release (received: number): void {
    this.#released = true
    const unposted = this.#batchRecords
    this.#batch = [0]
    this.#batchRecords = 0
    const count = Math.max(0, this.#posted - received) + unposted
    if (count === 0) return
    this.#droppedAtRelease = count
    this.#droppedHere += count
    this.#emit('drop', { reason: 'closed', count, bytes: 0 })
  }

  /**
   * The worker did not confirm its close by the deadline: whatever its last shared stats do not
   * show as settled is reported as pending, never as nothing.
   */
  #unansweredSummary (): CloseSummary {
    const s = this.stats()
    const settled = s.delivered + s.failed + s.dropped
    return { delivered: s.delivered, failed: s.failed, dropped: s.dropped, pending: Math.max(0, this.#written - settled), timedOut: true }
  }

  stats (): ProducerStats {
    const out = {} as Record<(typeof STATS_KEYS)[number], number>
    for (let i = 0; i < STATS_KEYS.length; i++) out[STATS_KEYS[i]] = this.#stats[i]
    out.dropped += this.#droppedHere
    return out as ProducerStats
  }

  /** The transport got a listener for `name`: from now on the worker forwards that event. */
  listen (name: string | symbol): void {
    if (typeof name !== 'string' || !FORWARDED_EVENTS.includes(name) || this.#listened.has(name)) return
    this.#listened.add(name)
    if (!this.#exited) this.#worker.postMessage({ op: 'listen', name: name as ForwardedEvent } satisfies ToWorker)
  }

  /** Throws here, as in-process mode does, what the worker's producer would refuse (LOGSHIP_CREDENTIALS_ERROR). */
  setCredentials (credentials: Credentials): void {
    checkCredentials(credentials)
    if (!this.#exited) this.#worker.postMessage({ op: 'credentials', credentials } satisfies ToWorker)
  }

  beginExit (): number {
    if (this.#exited || Atomics.load(this.#state, STATE_CLOSED) === 1) return 0
    this.#post()
    if (this.#closing === undefined) {
      this.#closeDeadline = Date.now() + this.#closeTimeoutMs
      this.#worker.postMessage({ op: 'close', id: 0, deadline: this.#closeDeadline } satisfies ToWorker)
    }
    return this.#closeDeadline + REPORT_GRACE_MS
  }

  waitExit (deadline: number): void {
    for (;;) {
      if (Atomics.load(this.#state, STATE_CLOSED) === 1) return
      const left = deadline - Date.now()
      if (left <= 0) return
      Atomics.wait(this.#state, STATE_CLOSED, 0, left)
    }
  }

  readonly #onTurn = (): void => {
    this.#scheduled = false
    this.#post()
  }

  #post (): void {
    const count = this.#batchRecords
    if (count === 0) return
    const batch = this.#batch
    batch[0] = count
    this.#batch = [0]
    this.#batchRecords = 0
    if (this.#exited || this.#released) {
      this.#droppedHere += count
      this.#emit('drop', { reason: this.#closing === undefined ? 'worker_exited' : 'closed', count, bytes: 0 })
      return
    }
    this.#posted += count
    this.#worker.postMessage(batch)
  }

  /** Sends a request and resolves with the answer, or undefined if the worker goes away first. */
  #ask (message: Extract<ToWorker, { id: number }>, timeoutMs?: number): Promise<FromWorker | undefined> {
    return new Promise((resolve) => {
      const id = message.id
      let timer: NodeJS.Timeout | undefined
      this.#waiting.set(id, (answer) => {
        if (timer !== undefined) clearTimeout(timer)
        this.#waiting.delete(id)
        if (this.#waiting.size === 0) this.#worker.unref()
        resolve(answer)
      })
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => this.#waiting.get(id)?.(undefined), timeoutMs)
        timer.unref()
      }
      // While an answer is awaited the worker keeps the process alive, so that `await flush()` and
      // logger.on('finish') callbacks run before a natural exit.
      this.#worker.ref()
      this.#worker.postMessage(message)
    })
  }

  /** A request whose answer nobody waits for. */
  #request (message: Extract<ToWorker, { op: string }>): void {
    this.#worker.postMessage(message)
  }

  #onMessage (message: FromWorker): void {
    switch (message.op) {
      case 'event':
        this.#emit(message.name, message.name === 'diagnostic' || message.name === 'metrics' ? message.arg : fromPlainEvent(message.arg))
        break
      case 'closed':
        if (message.id === this.#closeId && !this.#released) this.#release(message.received)
        this.#waiting.get(message.id)?.(message)
        break
      case 'flushed':
        this.#waiting.get(message.id)?.(message)
        break
      case 'fatal':
        this.#emit('warn', fromPlainError(message.error))
        break
    }
  }

  #onExit (code: number): void {
    this.#exited = true
    unregisterForExit(this)
    for (const resolve of [...this.#waiting.values()]) resolve(undefined)
    if (this.#closing === undefined) {
      this.#emit('warn', new Error(`the logship worker thread exited unexpectedly (exit code ${code}); records logged from now on are dropped`))
    }
  }
}
