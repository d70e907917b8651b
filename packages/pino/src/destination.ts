/**
 * destination(): a pino destination that hands each line to a worker thread of its own through a
 * ring in shared memory (shared-ring.ts), instead of through pino.transport()'s thread-stream.
 *
 * Why: on the logging thread, thread-stream 4 makes a Buffer of every line, queues it, and copies
 * it again into its shared buffer later; here write() encodes the line once, straight into the
 * ring. The worker runs the same transport stream as pino.transport() (destination-worker.ts).
 * Memory is bounded by the ring: when the worker falls behind and the ring is full, write() waits
 * for room (the logging thread blocks, as with pino's `sync: true`) rather than queueing without
 * bound on the logging thread.
 *
 * The worker never keeps the process alive once it is ready, except while flush() or close() waits
 * for its answer. At exit one `process.on('exit')` listener, shared by every open destination, asks
 * each worker to close and then waits for them, synchronously and at most closeTimeoutMs (plus a
 * short grace for the report) each, counted from the same moment.
 */
import { EventEmitter } from 'node:events'
import { writeSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { createProducer, InvalidOptionError, UserCodeGuard, utf8Write } from '@logship/producer'
import type { DestinationWorkerData, FromDestinationWorker, ToDestinationWorker } from './destination-protocol.js'
import { splitOptions, type LogshipPinoOptions } from './options.js'
import {
  CLOSED, CLOSING, createRingMemory, DOORBELL, DROPPED_BEFORE_CLOSE, POSITION_MASK, READ, READER_SLEEPING, ringCapacity, ringViews, WRITE
} from './shared-ring.js'
import type { DropPayload, SummaryPayload } from './worker-events.js'

export interface LogshipDestinationOptions extends LogshipPinoOptions {
  /**
   * Size of the ring shared with the worker, in bytes: rounded up to a power of two, 64 KiB to
   * 1 GiB. Default 8 MiB (about 12,000 lines of 700 bytes). The logging thread waits when it is full.
   */
  ringBytes?: number
}

const DEFAULT_RING_BYTES = 8 * 1024 * 1024
/**
 * How long write() waits for room while the worker reads nothing at all. Past it the line is
 * dropped (reason 'worker_stalled', counted), and so are the lines after it until the worker reads
 * again: a worker whose thread is stuck must not freeze the application. A worker that reads,
 * however slowly, is waited for.
 */
const STALL_MS = 10_000
/** Lines are published to the worker once this many bytes have gathered (see #publish). */
const PUBLISH_BYTES = 64 * 1024
/** The longest single Atomics.wait: the stall and exit deadlines are checked between waits. */
const WAIT_SLICE_MS = 100
/** After closeTimeoutMs, the worker still needs a moment to report; then it is given up on. */
const REPORT_GRACE_MS = 1000
const NEWLINE = 0x0a

const WORKER_FILE = new URL('./destination-worker.js', import.meta.url)

type DropReason = DropPayload['reason']

export class LogshipDestination extends EventEmitter {
  readonly #worker: Worker
  readonly #state: Int32Array
  readonly #bytes: Buffer
  readonly #capacity: number
  readonly #closeTimeoutMs: number
  readonly #userCode = new UserCodeGuard()
  /** WRITE: bytes written so far, mod 2^31. */
  #written = 0
  /** Where in the ring the next byte goes. */
  #at = 0
  /** Bytes that can be written at #at without looking at READ again (never more than there are). */
  #room = 0
  /** Lines written into the ring: what a worker that never answers its close leaves unaccounted for. */
  #lines = 0
  /** Lines of #lines the worker never read (it ended first): already counted as dropped. */
  #linesUnread = 0
  /**
   * Records the worker has reported settled, from its 'delivered', 'failed' and 'drop' events: if
   * it ends without its summary, these are known, and only the rest of what it read is pending.
   */
  readonly #settledByWorker = { delivered: 0, failed: 0, dropped: 0, invalid: 0 }
  /** READ when the worker was found stalled (-1: not stalled): lines are dropped until it moves. */
  #stalledAt = -1
  /** Bytes written but not yet published to the worker (see #publish). */
  #unpublished = 0
  #publishScheduled = false
  /** The worker has ended (or its close was waited for at exit): nothing written now is read. */
  #exited = false
  /** The worker's transport has started (until then the worker keeps the process alive). */
  #ready = false
  /** The worker reported that its transport could not start (already told). */
  #failed = false
  #closing: Promise<SummaryPayload> | undefined
  /** Lines dropped on this thread; `atClose`: the count the worker's summary has. */
  readonly #dropped = { count: 0, atClose: 0 }
  /** A 'drop' listener is running: drops it causes (by logging) are counted, not emitted again. */
  #emittingDrop = false
  #nextId = 0
  readonly #waiting = new Map<number, (error?: Error) => void>()
  #onClosed: ((summary: SummaryPayload | undefined) => void) | undefined
  readonly #waitsAtExit: boolean

  /** @internal use destination(). */
  constructor (options?: LogshipDestinationOptions) {
    super()
    const { ringBytes, ...transportOptions } = (options ?? {}) as Partial<LogshipDestinationOptions>
    if (ringBytes !== undefined && (typeof ringBytes !== 'number' || !Number.isSafeInteger(ringBytes) || ringBytes < 1)) {
      throw new InvalidOptionError('ringBytes', ringBytes, 'an integer >= 1 (bytes)')
    }
    const split = splitOptions(transportOptions)
    // The worker creates the real producer; creating (and dropping) one here makes a bad option
    // throw from destination(), with the producer's own message, instead of inside the worker.
    createProducer(split.producer).destroy()
    this.#closeTimeoutMs = split.closeTimeoutMs
    const memory = createRingMemory(ringCapacity(ringBytes ?? DEFAULT_RING_BYTES))
    const views = ringViews(memory)
    this.#state = views.state
    this.#bytes = views.bytes
    this.#capacity = views.capacity
    this.#room = this.#capacity
    const workerData: DestinationWorkerData = { logshipDestination: true, memory, options: transportOptions as LogshipPinoOptions }
    try {
      // execArgv: [] keeps the app's loaders and preloads (APM agents, tsx) out of the log worker.
      this.#worker = new Worker(WORKER_FILE, { workerData, execArgv: [], name: 'logship-pino' })
    } catch (err) {
      if ((err as { name?: unknown } | null)?.name !== 'DataCloneError') throw err
      // The clone error's text would quote the value (a function's source): name the rule instead.
      throw new InvalidOptionError('options', '[not cloneable]', 'values a worker thread can receive (no functions: a credentials provider or diagnostics logger works in-process only)')
    }
    this.#worker.on('message', (message: FromDestinationWorker) => this.#onMessage(message))
    this.#worker.on('error', (error) => this.#warn(`the logship worker thread failed: ${error.message}`))
    this.#worker.on('exit', () => this.#onWorkerExit())
    // The worker keeps the process alive until it is ready (as pino.transport()'s does, so that an
    // application may wait for 'ready'), then only while flush() or close() waits for it.
    // flushOnExit: false opts out of the exit wait, as it opts the producer out of its exit flush.
    this.#waitsAtExit = split.producer.flushOnExit !== false
    if (this.#waitsAtExit) joinExit(this)
  }

  /** As a Writable's: pino(destination(…)), with no options before it, recognises a stream by it. */
  get writable (): boolean {
    return this.#closing === undefined && !this.#exited
  }

  /** pino calls this with each line (ending in a newline). Returns false when the line was dropped. */
  write (line: string): boolean {
    if (this.#closing !== undefined || this.#exited) return this.#drop(this.#closing !== undefined ? 'closed' : 'worker_exited', line)
    // Three bytes per UTF-16 unit is the most UTF-8 can take: no byte count needed to know it fits.
    if (line.length * 3 <= this.#room) return this.#putInPlace(line)
    return this.#writeSlow(line)
  }

  /** Writes a line that fits in #room at #at, in one piece. */
  #putInPlace (line: string): true {
    const n = utf8Write.call(this.#bytes, line, this.#at)
    this.#at += n
    this.#room -= n
    if (this.#at === this.#capacity) this.#at = 0
    this.#lines++
    this.#publish(n)
    return true
  }

  /**
   * Resolves (or calls back) once every line written before the call is delivered or has finally
   * failed. pino's `logger.flush(cb)` calls it. Never rejects: a delivery failure is reported by
   * the 'failed' event, and the callback gets no error for it.
   */
  flush (callback?: (error?: Error | null) => void): Promise<void> | undefined {
    const done = this.#flush()
    if (typeof callback !== 'function') return done
    // Called outside the promise chain, as thread-stream calls it from a message: an exception the
    // callback throws is the application's uncaught exception, not an unhandled rejection of ours.
    done.then(() => process.nextTick(callback), (error) => process.nextTick(callback, error))
    return undefined
  }

  /**
   * No more lines: the worker reads what is in the ring, delivers it (bounded by closeTimeoutMs)
   * and ends. Resolves with the summary; idempotent.
   */
  close (): Promise<SummaryPayload> {
    if (this.#closing !== undefined) return this.#closing
    this.#closing = this.#exited
      ? Promise.resolve(this.#unanswered())
      : new Promise<SummaryPayload | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), this.#closeTimeoutMs + REPORT_GRACE_MS)
        timer.unref()
        this.#onClosed = (summary) => {
          clearTimeout(timer)
          resolve(summary)
        }
        this.#worker.ref()
        this.#askToClose()
      }).then((summary) => {
        this.#worker.unref()
        // Until now an exit (`close()` then `process.exit()`) still waits for the close under way.
        leaveExit(this)
        if (summary === undefined) return this.#unanswered()
        // Lines dropped here after the worker's summary was made (written during the close).
        const later = this.#dropped.count - this.#dropped.atClose
        return later === 0 ? summary : { ...summary, dropped: summary.dropped + later }
      })
    return this.#closing
  }

  /** As a stream's end(): close(), without waiting. */
  end (): void {
    void this.close()
  }

  /** @internal the exit listener's first step: ask the worker to close; returns when to stop waiting. */
  beginExit (): number {
    if (this.#exited || Atomics.load(this.#state, CLOSED) === 1) return 0
    // A close() under way has asked already; its wait is this one now.
    if (this.#closing === undefined) this.#askToClose()
    return Date.now() + this.#closeTimeoutMs + REPORT_GRACE_MS
  }

  /** @internal the exit listener's second step: wait for the worker's close, at most until `deadline`. */
  waitExit (deadline: number): void {
    for (;;) {
      if (Atomics.load(this.#state, CLOSED) === 1) break
      const left = deadline - Date.now()
      if (left <= 0) break
      Atomics.wait(this.#state, CLOSED, 0, left)
    }
    // Nothing written from now on (an application's own 'exit' listener logging) would be read.
    this.#exited = true
  }

  #writeSlow (line: string): boolean {
    if (this.#stalledAt !== -1) {
      if (Atomics.load(this.#state, READ) === this.#stalledAt) return this.#drop('worker_stalled', line)
      this.#stalledAt = -1
    }
    this.#refreshRoom()
    if (line.length * 3 <= this.#room) return this.#putInPlace(line)
    const size = Buffer.byteLength(line)
    if (size <= this.#room) return this.#putInPlace(line)
    // Whole or not at all: a line is never left half-written for want of room. A line larger than
    // the ring waits for an empty ring (the stall rule applies), then goes in pieces, each as room
    // frees up; once its first piece is in, only the worker's end stops it.
    if (!this.#waitForRoom(Math.min(size, this.#capacity), true)) return this.#drop(this.#exited ? 'worker_exited' : 'worker_stalled', line)
    const data = Buffer.from(line)
    let from = this.#copy(data, 0)
    while (from < size) {
      if (!this.#waitForRoom(1, false)) return this.#drop('worker_exited', line)
      from += this.#copy(data, from)
    }
    this.#lines++
    return true
  }

  /** Copies what fits of `data` from `from` on (across the ring's end if need be); returns the bytes copied. */
  #copy (data: Buffer, from: number): number {
    let copied = 0
    while (from + copied < data.length) {
      this.#refreshRoom()
      if (this.#room === 0) break
      const n = Math.min(this.#room, data.length - from - copied)
      data.copy(this.#bytes, this.#at, from + copied, from + copied + n)
      copied += n
      this.#at = (this.#at + n) & (this.#capacity - 1)
      this.#publish(n)
    }
    this.#refreshRoom()
    return copied
  }

  #refreshRoom (): void {
    const unread = (this.#written - Atomics.load(this.#state, READ)) & POSITION_MASK
    this.#room = Math.min(this.#capacity - unread, this.#capacity - this.#at)
  }

  /**
   * Counts `bytes` just written into the ring. They are published to the worker (WRITE) once
   * PUBLISH_BYTES have gathered, and at the end of this turn of the event loop at the latest: two
   * atomic operations per line were a tenth of this thread's cost per line (profile of the
   * benchmark's pino scenario), and a busy worker has a chunk of lines to read either way.
   */
  #publish (bytes: number): void {
    this.#written = (this.#written + bytes) & POSITION_MASK
    this.#unpublished += bytes
    if (this.#unpublished >= PUBLISH_BYTES) this.#publishNow()
    else if (!this.#publishScheduled) {
      this.#publishScheduled = true
      setImmediate(this.#publishAtTurnEnd)
    }
  }

  readonly #publishAtTurnEnd = (): void => {
    this.#publishScheduled = false
    this.#publishNow()
  }

  /** Makes everything written visible to the worker, and wakes it if it sleeps. */
  #publishNow (): void {
    if (this.#unpublished === 0) return
    this.#unpublished = 0
    Atomics.store(this.#state, WRITE, this.#written)
    this.#ring()
  }

  /** Rings the doorbell (see shared-ring.ts), waking a sleeping worker. */
  #ring (): void {
    Atomics.add(this.#state, DOORBELL, 1)
    if (Atomics.load(this.#state, READER_SLEEPING) === 1) Atomics.notify(this.#state, DOORBELL)
  }

  /**
   * Waits (blocking this thread, as a full ring must) until `bytes` are free. False when the worker
   * is gone, or, with `stall`, when it read nothing for STALL_MS: then nothing is written and the
   * caller drops.
   */
  #waitForRoom (bytes: number, stall: boolean): boolean {
    // The worker may be waiting for exactly the lines not yet published.
    this.#publishNow()
    let read = Atomics.load(this.#state, READ)
    let progressAt = Date.now()
    for (;;) {
      if (this.#capacity - ((this.#written - read) & POSITION_MASK) >= bytes) return true
      if (this.#exited || Atomics.load(this.#state, CLOSED) === 1) {
        this.#exited = true
        return false
      }
      const left = stall ? progressAt + STALL_MS - Date.now() : WAIT_SLICE_MS
      if (left <= 0) {
        this.#stalledAt = read
        this.#warn(`the logship worker thread read nothing for ${STALL_MS / 1000} s while the ring was full; lines are dropped until it reads again`)
        return false
      }
      Atomics.wait(this.#state, READ, read, Math.min(left, WAIT_SLICE_MS))
      const now = Atomics.load(this.#state, READ)
      if (now !== read) {
        read = now
        progressAt = Date.now()
      }
    }
  }

  #askToClose (): void {
    this.#publishNow()
    this.#dropped.atClose = this.#dropped.count
    Atomics.store(this.#state, DROPPED_BEFORE_CLOSE, this.#dropped.count)
    Atomics.store(this.#state, CLOSING, 1)
    this.#ring()
  }

  #flush (): Promise<void> {
    if (this.#closing !== undefined) return this.#closing.then(() => undefined)
    if (this.#exited) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const id = ++this.#nextId
      this.#waiting.set(id, (error) => {
        this.#waiting.delete(id)
        if (this.#waiting.size === 0 && this.#closing === undefined && this.#ready) this.#worker.unref()
        // A flush whose delivery failed still settles: the failure was reported as 'failed'.
        if (error !== undefined) this.#warn(`flush failed: ${error.message}`)
        resolve()
      })
      // While an answer is awaited the worker keeps the process alive, so `await flush()` completes.
      this.#worker.ref()
      this.#publishNow()
      this.#worker.postMessage({ code: 'FLUSH', id, upTo: this.#written } satisfies ToDestinationWorker)
    })
  }

  #onMessage (message: FromDestinationWorker): void {
    switch (message.code) {
      case 'READY':
        this.#ready = true
        if (this.#waiting.size === 0 && this.#closing === undefined) this.#worker.unref()
        this.#emit('ready', undefined)
        break
      case 'EVENT':
        this.#countSettled(message.name, message.args[0])
        this.#emit(message.name, message.args[0])
        break
      case 'WARNING':
        process.emitWarning(message.err)
        break
      case 'FLUSHED':
        this.#waiting.get(message.id)?.(message.error === undefined ? undefined : new Error(message.error))
        break
      case 'FAILED':
        this.#failed = true
        this.#warn(`the logship worker thread could not start: ${message.message}`)
        break
      case 'CLOSED':
        this.#onClosed?.(message.summary)
        break
    }
  }

  #onWorkerExit (): void {
    const closedNormally = Atomics.load(this.#state, CLOSING) === 1
    this.#exited = true
    leaveExit(this)
    // Lines the worker never read (it failed or crashed): dropped, counted and told.
    const unread = this.#unreadLines()
    this.#linesUnread = unread.count
    if (unread.count > 0) this.#dropLines('worker_exited', unread.count, unread.bytes)
    for (const settle of [...this.#waiting.values()]) settle()
    if (!closedNormally && !this.#failed) this.#warn('the logship worker thread exited; lines written from now on are dropped')
    this.#onClosed?.(undefined)
  }

  /** The complete lines between READ and what was written (the worker is gone: it reads no more). */
  #unreadLines (): { count: number, bytes: number } {
    const read = Atomics.load(this.#state, READ)
    const unread = (this.#written - read) & POSITION_MASK
    let count = 0
    for (let i = 0, at = read & (this.#capacity - 1); i < unread; i++, at = (at + 1) & (this.#capacity - 1)) {
      if (this.#bytes[at] === NEWLINE) count++
    }
    return { count, bytes: Math.max(0, unread - count) }
  }

  #drop (reason: DropReason, line: string): false {
    // The line's bytes without its newline, as the other paths count a line.
    this.#dropLines(reason, 1, Buffer.byteLength(line) - (line.endsWith('\n') ? 1 : 0))
    return false
  }

  #dropLines (reason: DropReason, count: number, bytes: number): void {
    this.#dropped.count += count
    if (this.#exited && exiting) {
      // The process is exiting: no listener of ours will run again, so say it on stderr.
      report(`@logship/pino: ${count} line${count === 1 ? '' : 's'} logged after the exit flush not delivered (${reason})`)
    }
    // A 'drop' listener that logs would land here again: such drops are counted, not re-emitted.
    if (this.#emittingDrop) return
    this.#emittingDrop = true
    try {
      this.#emit('drop', { reason, count, bytes } satisfies DropPayload)
    } finally {
      this.#emittingDrop = false
    }
  }

  /** Counts the records a worker event says were settled (one line is one record). */
  #countSettled (name: string, payload: unknown): void {
    const event = payload as { logCount?: unknown, count?: unknown, reason?: unknown } | undefined
    const settled = this.#settledByWorker
    if (name === 'delivered' && typeof event?.logCount === 'number') settled.delivered += event.logCount
    else if (name === 'failed' && typeof event?.logCount === 'number') settled.failed += event.logCount
    else if (name === 'drop' && typeof event?.count === 'number') {
      // As in the worker's own summary, a line the producer refused is `invalid`, not `dropped`.
      if (event.reason === 'invalid_record') settled.invalid += event.count
      else settled.dropped += event.count
    }
  }

  /**
   * The worker did not answer the close in time, or ended without one. What its events reported
   * delivered, failed or dropped is counted so; the rest of the lines it read is pending (not known
   * to be delivered: their results went with it); the lines it never read are among the dropped,
   * with what was dropped here. An event still in flight when the worker ended is missed, so the
   * error is always towards pending, never towards delivered.
   */
  #unanswered (): SummaryPayload {
    const settled = this.#settledByWorker
    const read = this.#lines - this.#linesUnread
    return {
      delivered: settled.delivered,
      failed: settled.failed,
      dropped: this.#dropped.count + settled.dropped,
      pending: Math.max(0, read - settled.delivered - settled.failed - settled.dropped - settled.invalid),
      timedOut: true,
      accepted: 0,
      abandoned: 0,
      invalid: settled.invalid,
      truncated: 0,
      closeTimeoutMs: this.#closeTimeoutMs
    }
  }

  #emit (name: string, payload: unknown): void {
    this.#userCode.emit(this, name, payload)
  }

  #warn (message: string): void {
    process.emitWarning(`@logship/pino: ${message}`, { code: 'LOGSHIP_PINO_DESTINATION' })
  }
}

// One 'exit' listener for every open destination: all are asked to close first, so their workers
// deliver in parallel, then each is waited for. It exists only while some destination is open.
const open = new Set<LogshipDestination>()
let exiting = false

function onExit (): void {
  exiting = true
  const waits: Array<[LogshipDestination, number]> = []
  for (const dest of open) waits.push([dest, dest.beginExit()])
  for (const [dest, deadline] of waits) dest.waitExit(deadline)
}

function joinExit (dest: LogshipDestination): void {
  if (open.size === 0) process.on('exit', onExit)
  open.add(dest)
}

function leaveExit (dest: LogshipDestination): void {
  if (!open.delete(dest) || open.size > 0) return
  // Removing it during the exit itself would change nothing; the process ends.
  process.removeListener('exit', onExit)
}

/** Straight to fd 2: at exit, process.stderr may not be flushed any more. */
function report (line: string): void {
  try {
    writeSync(2, line + '\n')
  } catch {
    // stderr closed: nothing else to do.
  }
}

/**
 * A pino destination shipping to Volcengine TLS or Aliyun SLS from a worker thread of its own:
 * `pino(options, destination({ service, … }))`. Takes the options of `pino.transport({ target:
 * '@logship/pino', options })`, plus `ringBytes`. A bad option throws here.
 */
export function destination (options?: LogshipDestinationOptions): LogshipDestination {
  return new LogshipDestination(options)
}
