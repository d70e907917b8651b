/**
 * The producer engine: send → budget → accumulator → sender → settle. It only talks to a service
 * through the Wire seam (transport.ts) and to time through a Clock, so tests drive it with a fake
 * wire and a manual clock. createProducer() (producer.ts) wires it to the real services.
 *
 * Lifecycle decisions (see also sender.ts for the retry rules):
 * - close(): stops intake (sendAsync callers still waiting for space are rejected with
 *   ProducerClosedError), seals every open batch and sends every batch waiting for a retry at once.
 *   Retriable failures during close are still retried with backoff (the Go producers make them
 *   final; a transient 503 at shutdown should not lose logs), so the deadline is what bounds close.
 *   Without timeoutMs it waits until everything is delivered or out of retries (SafeClose) and then
 *   wire.close(); with timeoutMs it waits at most that long, then settles what is left as abandoned
 *   (callbacks get a Result with errorCode LOGSHIP_CLOSE_TIMEOUT) and calls wire.destroy(). Later
 *   calls return the same promise, but each one's timeoutMs is checked and its deadline holds: the
 *   earliest deadline of all the calls is the one that ends the close.
 * - While close() or the exit flush waits for batches, or a flush() caller does with flushOnExit
 *   off, a retry backoff keeps the process alive (the retry timer is ref'd); otherwise every timer
 *   is unref'd, so an idle or merely retrying producer never holds the process open.
 * - destroy(): every unsettled record is abandoned now (errorCode LOGSHIP_DESTROYED), waiting
 *   sendAsync callers are rejected with DestroyedError, wire.destroy().
 * - Abandoned batches are reported through callbacks and the `failed` event (its `error` says
 *   CloseTimeoutError or DestroyedError) but counted in stats().abandoned, not failed.
 * - Exit flush: when the event loop empties while records are unsettled (`beforeExit`), the engine
 *   does what close() does (seal all, send waiting retries now) but stays open; the requests, and
 *   retry timers (ref'd while draining), keep the process alive. If the drain is not done after
 *   closeTimeoutMs and the application has sent nothing since that beforeExit, the process is
 *   ending: what is left is abandoned with CloseTimeoutError, the wire destroyed and the producer
 *   closed, so the process can exit. If the application has sent records since, its own beforeExit
 *   handler gave the loop more work and it is running again: the exit flush just ends and the
 *   producer carries on; the next time the loop empties starts a new exit flush.
 * - Listeners and callbacks run synchronously inside the engine, each in its own try/catch: one
 *   that throws is reported once as a process warning and never breaks the engine. No `error`
 *   event is ever emitted.
 */
import { EventEmitter } from 'node:events'
import { inspect } from 'node:util'
import { Accumulator, FREE_BATCHES, type ProducerBatch, type RecordCallback } from './accumulator.js'
import { Budget, type BudgetWaiter } from './budget.js'
import {
  BufferFullError, CloseTimeoutError, DestroyedError, InvalidOptionError, InvalidRecordError, LogshipError,
  ProducerClosedError, RecordTooLargeError
} from './errors.js'
import { registerForExit, unregisterForExit, type ExitFlushable } from './exit-hook.js'
import { Diagnostics } from './observability/diagnostics.js'
import { EngineHooks } from './observability/engine-hooks.js'
import {
  destinationLabel, kIdentity, kObserve, kReportDrop, type ProducerIdentity, type ProducerObserver
} from './observability/observer.js'
import type { ResolvedOptions } from './options.js'
import { buildResult } from './result.js'
import { Sender } from './sender.js'
import { CloseDeadline, SettleWaiters } from './settle-waiters.js'
import { MAX_TIMER_MS, toTimeParts } from './time.js'
import { systemClock, type AttemptOutcome, type Clock, type Destination, type TimeParts, type TimerHandle, type Wire } from './transport.js'
import type {
  Attempt, CloseOptions, CloseSummary, ContentsInput, Credentials, DropEvent, DropReason, LogRecord, Producer, ProducerEvents,
  ProducerStats, SendOptions
} from './types.js'
import { UserCodeGuard } from './user-code.js'
import { WaitingCopies, type CopyChunk, type WaitingCopy } from './waiting-copies.js'

export interface EngineDeps {
  /** Jitter source, [0, 1). */
  random?: () => number
}

/** What sendAsync returns when the record was accepted at once. */
const RESOLVED: Promise<void> = Promise.resolve()

const OPEN = 0
const CLOSING = 1
const CLOSED = 2
const DESTROYED = 3

class ProducerEngine extends EventEmitter<ProducerEvents> implements Producer, ExitFlushable {
  private readonly wire: Wire
  private readonly clock: Clock
  private readonly options: ResolvedOptions
  private readonly budget: Budget
  private readonly accumulator: Accumulator
  private readonly sender: Sender
  readonly name: string
  private readonly diag: Diagnostics
  /** Diagnostic log, metrics observers, tracing channels. */
  private readonly hooks: EngineHooks
  private state = OPEN
  private readonly timeParts: TimeParts = { ms: 0, subMsNs: 0 }

  private accepted = 0
  private delivered = 0
  private failed = 0
  private dropped = 0
  private abandoned = 0
  private retried = 0

  /** Sealed batches not yet settled (queued, in flight, or waiting for a retry). */
  private readonly live = new Set<ProducerBatch>()
  private readonly waiters: SettleWaiters
  private exitRegistered = false
  private exitTimer: TimerHandle | undefined
  /** `accepted` once the beforeExit emission that last ran exitFlush() was over: later sends are the application running again. */
  private acceptedAtExit = 0
  /** close() or the exit flush is under way. */
  private draining = false
  private closePromise: Promise<CloseSummary> | undefined
  private closeDeadline: CloseDeadline | undefined
  private wireDestroyed = false
  private readonly userCode = new UserCodeGuard()
  /** sendAsync() records waiting for buffer space: their entries' copies, and the waits that ended. */
  private readonly copies = new WaitingCopies()
  private readonly endedWaits: WaitingRecord[] = []
  private settleScheduled = false
  private readonly settleWaitsNow = (): void => this.settleWaits()
  private readonly waitDone = (waiting: WaitingRecord): void => {
    this.endedWaits.push(waiting)
    if (!this.settleScheduled) {
      this.settleScheduled = true
      queueMicrotask(this.settleWaitsNow)
    }
  }

  constructor (options: ResolvedOptions, wire: Wire, clock: Clock, deps: EngineDeps) {
    super()
    this.options = options
    this.wire = wire
    this.clock = clock
    this.name = options.name
    this.diag = new Diagnostics(options.diagnostics, options.name, this, () => this.accepted, this.userCode, () => {
      // Registered for exit only for the drop summary (see drop()): with nothing pending, no longer.
      if (this.state === OPEN && !this.draining && this.pending() === 0) this.leaveExitRegistry()
    })
    this.hooks = new EngineHooks(this.diag, options.name, wire.service, clock, options)
    this.budget = new Budget(options.totalSizeInBytes, clock)
    this.waiters = new SettleWaiters()
    this.accumulator = new Accumulator(wire, clock, {
      maxBatchSize: Math.min(options.maxBatchSize, wire.limits.maxBodyBytes),
      maxBatchCount: Math.min(options.maxBatchCount, wire.limits.maxLogsPerBatch),
      lingerMs: options.lingerMs
    }, this.budget, (batch) => {
      this.live.add(batch)
      this.hooks.sealed(batch)
      // Build the body now when the wire can: a queued batch then holds its compressed body, not its entries.
      if (wire.prepare !== undefined) wire.prepare(batch)
      this.sender.enqueue(batch)
    })
    this.sender = new Sender(wire, clock, options, {
      settle: (batch, outcome) => this.settle(batch, outcome),
      retry: (batch, attempt, retry, delayMs, error) => this.onRetry(batch, attempt, retry, delayMs, error),
      requestStart: (batch) => this.hooks.requestStart(batch),
      requestEnd: (batch, context, attempt, willRetry, abandoned) => this.hooks.requestEnd(batch, context, attempt, willRetry, abandoned)
    }, deps.random)
    wire.observeCredentials?.(this.hooks.credentials)
  }

  send (record: LogRecord, options?: SendOptions): void {
    if (this.state !== OPEN) throw new ProducerClosedError()
    const contents = contentsOf(record)
    const callback = callbackOf(options)
    const dest = this.wire.destination(options)
    // Filled last and read first by encodeLog: user code run before (getters on the record or the
    // options) may send() too, and the engine has one TimeParts object (see the encoder).
    const time = toTimeParts(readRecordField(record, 'time'), this.clock, this.timeParts)
    const timeMs = time.ms
    const entry = this.wire.encodeLog(time, contents)
    const bytes = entry.length
    if (!this.budget.tryReserve(bytes)) {
      this.drop(bytes > this.budget.limit ? 'record_too_large' : 'buffer_full', 1, bytes)
      return
    }
    if (!this.accept(dest, entry, timeMs, callback, 0)) {
      // It needed a new batch, and the budget had no room for that batch's own memory.
      this.budget.release(bytes)
      this.drop('buffer_full', 1, bytes)
    }
  }

  // Not an async function: when there is room (the common case) no new promise is made. Every
  // error still comes back as a rejection, never as a synchronous throw.
  sendAsync (record: LogRecord, options?: SendOptions): Promise<void> {
    try {
      if (this.state !== OPEN) throw new ProducerClosedError()
      const contents = contentsOf(record)
      const callback = callbackOf(options)
      const dest = this.wire.destination(options)
      const time = toTimeParts(readRecordField(record, 'time'), this.clock, this.timeParts)
      const timeMs = time.ms
      const entry = this.wire.encodeLog(time, contents)
      const bytes = entry.length
      if (bytes > this.budget.limit) {
        this.drop('record_too_large', 1, bytes)
        throw new RecordTooLargeError(bytes, this.budget.limit)
      }
      // Waiters are served first come, first served: only take space directly when nobody waits,
      // nor has been let in without being settled yet.
      if (this.budget.waiters === 0 && this.endedWaits.length === 0 && this.budget.tryReserve(bytes)) {
        if (this.accept(dest, entry, timeMs, callback, 0)) return RESOLVED
        this.budget.release(bytes) // no room for a new batch's own memory: wait for that too
      }
      return this.waitForSpace(dest, entry, bytes, timeMs, callback)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private waitForSpace (dest: Destination, entry: Uint8Array, bytes: number, timeMs: number, callback: RecordCallback | undefined): Promise<void> {
    // A new batch beyond FREE_BATCHES open ones is charged its own memory (see accumulator.ts). Once
    // that many are open, wait for the record and that charge at once, so that sendAsync() calls
    // settle in order; append hands back what is not needed. With fewer open (nearly always), wait
    // for the record alone: waiting for a charge that does not apply could time out with room free.
    // If batches were opened meanwhile and the charge applies after all, wait once more for both,
    // until the same deadline. A budget too small for the charge never waits for it.
    const charge = Accumulator.batchCharge(bytes)
    const chargeFits = bytes + charge <= this.budget.limit
    const prepaid = chargeFits && this.accumulator.size >= FREE_BATCHES ? charge : 0
    const { maxBlockMs } = this.options
    const deadline = this.budget.deadlineAfter(maxBlockMs)
    return new Promise<void>((resolve, reject) => {
      const waiting = new WaitingRecord(dest, bytes, timeMs, callback, charge, prepaid, deadline, maxBlockMs, this.waitDone, resolve, reject)
      // The entry is the wire's scratch memory; keep a copy while waiting.
      this.copies.copy(entry, waiting)
      this.startWait(waiting)
    })
  }

  private startWait (waiting: WaitingRecord): void {
    // 'queued': grant() or fail() will tell; 'failed': fail() has already. Reserved at once, it
    // still goes after the waits that ended before it and are not settled yet.
    if (this.budget.wait(waiting) !== 'reserved') return
    if (this.endedWaits.length > 0) this.waitDone(waiting)
    else this.finishWait(waiting)
  }

  /** Waits that ended, settled in order in one microtask (never inside the budget's release or timer). */
  private settleWaits (): void {
    this.settleScheduled = false
    const ended = this.endedWaits
    // Settling may end more waits (a record that must wait again, user code sending meanwhile): this loop takes them too.
    for (let i = 0; i < ended.length; i++) {
      const waiting = ended[i]!
      try {
        this.finishWait(waiting)
      } catch (error) {
        // Not expected (user code is guarded); the caller hears of it, and the copy's chunk is not held.
        this.copies.release(waiting)
        waiting.reject(error as Error)
      }
    }
    ended.length = 0
  }

  private finishWait (waiting: WaitingRecord): void {
    const failure = waiting.error
    if (failure !== undefined) {
      this.copies.release(waiting)
      this.drop(failure instanceof BufferFullError ? 'buffer_full' : 'closed', 1, waiting.entryBytes)
      waiting.reject(failure)
      return
    }
    // Granted: its bytes are reserved.
    if (this.state !== OPEN) {
      this.budget.release(waiting.bytes)
      this.copies.release(waiting)
      this.drop('closed', 1, waiting.entryBytes)
      waiting.reject(this.state === DESTROYED ? new DestroyedError() : new ProducerClosedError())
      return
    }
    if (this.accept(waiting.dest, this.copies.view(waiting), waiting.timeMs, waiting.callback, waiting.prepaid)) {
      this.copies.release(waiting)
      waiting.resolve()
      return
    }
    // Refused only without the charge prepaid: it needs a new batch that must be charged.
    this.budget.release(waiting.entryBytes)
    if (waiting.entryBytes + waiting.charge > this.budget.limit) {
      this.copies.release(waiting)
      this.drop('buffer_full', 1, waiting.entryBytes)
      waiting.reject(BufferFullError.noRoomForBatch(this.budget.limit, waiting.entryBytes + waiting.charge, FREE_BATCHES))
      return
    }
    waiting.prepaid = waiting.charge
    waiting.bytes = waiting.entryBytes + waiting.charge
    this.startWait(waiting)
  }

  flush (): Promise<void> {
    if (this.state === DESTROYED) return Promise.resolve()
    this.accumulator.sealAll()
    if (this.live.size === 0) return Promise.resolve()
    const settled = this.waiters.waitFor(this.accumulator.lastId, this.live.size)
    this.holdProcess()
    return settled
  }

  close (options?: CloseOptions): Promise<CloseSummary> {
    const timeoutMs = options?.timeoutMs
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
      return Promise.reject(new InvalidOptionError('timeoutMs', timeoutMs, 'a number of milliseconds >= 0, or undefined to wait until done'))
    }
    if (this.closePromise === undefined) {
      if (this.state === DESTROYED) {
        // What destroy() abandoned is what was not delivered, as close() would count it.
        this.closePromise = Promise.resolve(this.summary(this.abandoned, false))
      } else {
        this.closeDeadline = new CloseDeadline(this.clock)
        this.closeDeadline.bringForward(timeoutMs)
        this.closePromise = this.runClose(this.closeDeadline)
      }
    } else {
      // The same promise for every caller, but a later caller's shorter deadline holds for all.
      this.closeDeadline?.bringForward(timeoutMs)
    }
    return this.closePromise
  }

  destroy (): void {
    if (this.state === DESTROYED) return
    // After a close() that finished, its `closed` line has said it all: a second one (the common
    // `finally { destroy() }`) would report the same losses twice to whoever alerts on it.
    const closedAlready = this.state === CLOSED
    this.state = DESTROYED
    this.leaveExitRegistry()
    const error = new DestroyedError()
    this.budget.rejectAll(error)
    this.abandonAll(error)
    this.destroyWire()
    // A producer that never took a record (the adapters make one to validate options) says nothing.
    if (!closedAlready && (this.accepted > 0 || this.dropped > 0)) {
      this.sayClosed(`producer destroyed: ${this.delivered} delivered, ${this.failed} failed, ${this.dropped} dropped, ${this.abandoned} not delivered`,
        this.failed + this.dropped + this.abandoned, this.lifetimeFields())
    }
    void this.diag.close()
  }

  stats (): ProducerStats {
    return {
      accepted: this.accepted,
      delivered: this.delivered,
      failed: this.failed,
      dropped: this.dropped,
      abandoned: this.abandoned,
      retried: this.retried,
      truncated: this.wire.truncated,
      bufferedBytes: this.budget.used,
      inFlight: this.sender.inFlight,
      pending: this.pending(),
      batchesSent: this.sender.batchesSent,
      requests: this.sender.requests
    }
  }

  setCredentials (credentials: Credentials): void {
    this.wire.setCredentials(credentials)
    this.diag.info('credentials', 'credentials replaced by setCredentials()')
  }

  /** Attaches a metrics observer (observability/observer.ts); returns the detach function. */
  [kObserve] (observer: ProducerObserver): () => void {
    return this.hooks.observe(observer)
  }

  /**
   * Records an adapter dropped itself (observer.ts, kReportDrop): counted in `dropped` (so in
   * stats() and the close summary) and told like the engine's own drops, through the `drop` event,
   * the diagnostic log, the `logship:drop` channel and metrics observers. In any state: a record
   * an adapter drops after the close still counts in stats(). `error` (why the record was refused)
   * rides along on the `drop` event, where the winston transport has always given it.
   */
  [kReportDrop] (reason: DropReason, count: number, bytes: number, error?: Error): void {
    if (count > 0) this.drop(reason, count, bytes, error)
  }

  get [kIdentity] (): ProducerIdentity {
    let destination = ''
    try {
      destination = destinationLabel(this.wire.destination(undefined))
    } catch {
      // A wire without a default destination (tests): no label.
    }
    return { name: this.name, service: this.wire.service, destination }
  }

  /** What console.log(producer) and JSON.stringify(producer) show: never the options or credentials. */
  toJSON (): { service: string, stats: ProducerStats } {
    return { service: this.wire.service, stats: this.stats() }
  }

  [inspect.custom] (): string {
    return `Producer ${inspect(this.toJSON())}`
  }

  /** beforeExit: see the header comment. */
  exitFlush (): void {
    if (this.state !== OPEN || this.pending() === 0) {
      this.diag.summarizeDrops()
      this.leaveExitRegistry()
      return
    }
    // The application ran (and logged) since the last exit flush began: this is a new exit, with a full deadline.
    if (this.exitTimer !== undefined && this.accepted !== this.acceptedAtExit) this.clearExitTimer()
    this.draining = true
    this.holdProcess()
    this.accumulator.sealAll()
    this.sender.retryAllNow()
    // After every beforeExit listener has run: what the application's other listeners log now is
    // part of the exit; what it logs after that means its loop is running again.
    process.nextTick(this.noteAcceptedAtExit)
    if (this.exitTimer === undefined) {
      this.exitTimer = this.clock.setTimeout(this.onExitDeadline, Math.min(MAX_TIMER_MS, this.options.closeTimeoutMs))
    }
  }

  private readonly noteAcceptedAtExit = (): void => {
    this.acceptedAtExit = this.accepted
  }

  private readonly onExitDeadline = (): void => {
    this.exitTimer = undefined
    if (this.state !== OPEN || this.pending() === 0) return
    if (this.accepted !== this.acceptedAtExit) {
      // The application's own beforeExit handler gave the loop more work and it is still logging:
      // the process is not exiting, so back to normal sending, with no hold on the process.
      this.draining = false
      this.holdProcess()
      return
    }
    this.state = CLOSED
    this.leaveExitRegistry()
    this.budget.rejectAll(new ProducerClosedError())
    this.abandonAll(new CloseTimeoutError(this.options.closeTimeoutMs))
    this.destroyWire()
    this.diag.summarizeDrops()
  }

  private async runClose (deadline: CloseDeadline): Promise<CloseSummary> {
    this.state = CLOSING
    const abandonedBefore = this.abandoned
    this.leaveExitRegistry()
    this.budget.rejectAll(new ProducerClosedError())
    this.draining = true
    this.holdProcess()
    this.accumulator.sealAll()
    this.sender.retryAllNow()
    // At the deadline abandonAll settles every batch, which releases this waiter too.
    const timedOut = this.live.size > 0 && await Promise.race([
      this.waiters.waitFor(Infinity, this.live.size).then(() => false),
      deadline.passed.then(() => true)
    ])
    if (this.state !== DESTROYED) {
      this.state = CLOSED
      if (timedOut) {
        this.abandonAll(new CloseTimeoutError(deadline.timeoutMs))
        this.destroyWire()
      } else if (!this.wireDestroyed) {
        try {
          await this.wire.close()
        } catch {
          // Releasing sockets cannot fail in a way the caller could act on.
        }
      }
    }
    const summary = this.summary(this.abandoned - abandonedBefore, timedOut)
    // destroy() during the close has said how it ended.
    if (this.state !== DESTROYED) {
      this.sayClosed(`producer closed: ${summary.delivered} delivered, ${summary.failed} failed, ${summary.dropped} dropped` +
        (timedOut ? `, ${summary.pending} not delivered within the close deadline` : ''),
      summary.failed + summary.dropped + summary.pending, { ...this.lifetimeFields(), timedOut })
    }
    // Lets a diagnostics file take its last lines to disk, but never past the close deadline.
    await Promise.race([this.diag.close(), deadline.passed])
    deadline.end()
    return summary
  }

  /** The one `closed` line, after the pending drop summary: a warning when records were lost. */
  private sayClosed (text: string, lost: number, fields: Record<string, number | boolean>): void {
    this.diag.summarizeDrops()
    if (lost > 0) this.diag.warn('closed', text, fields)
    else this.diag.info('closed', text, fields)
  }

  /** The lifetime counters a closing diagnostic line reports: stats() without the momentary gauges. */
  private lifetimeFields (): Record<string, number> {
    const { accepted, delivered, failed, dropped, abandoned, retried, requests } = this.stats()
    return { accepted, delivered, failed, dropped, abandoned, retried, requests }
  }

  private summary (pending: number, timedOut: boolean): CloseSummary {
    return { delivered: this.delivered, failed: this.failed, dropped: this.dropped, pending, timedOut }
  }

  private pending (): number {
    return this.accepted - this.delivered - this.failed - this.abandoned
  }

  /** False (nothing accepted) when the record needs a new batch whose own memory the budget cannot hold. */
  private accept (dest: Destination, entry: Uint8Array, timeMs: number, callback: RecordCallback | undefined, prepaid: number): boolean {
    // Counted before the append, which may seal and hand batches on.
    this.accepted++
    if (!this.accumulator.append(dest, entry, timeMs, callback, prepaid)) {
      this.accepted--
      return false
    }
    if (!this.exitRegistered && this.options.flushOnExit) {
      this.exitRegistered = true
      registerForExit(this)
    }
    return true
  }

  private drop (reason: DropReason, count: number, bytes: number, error?: Error): void {
    this.dropped += count
    if (this.listenerCount('drop') > 0) {
      const event: DropEvent & { error?: Error } = { reason, count, bytes }
      if (error !== undefined) event.error = error
      this.emitSafe('drop', event)
    }
    this.hooks.dropped(reason, count, bytes, error?.message)
    // The drops after the first are summed up every 5 s on an unref'd timer: a process that ends on
    // its own would never write that sum. The exit flush (beforeExit) writes it: stay registered.
    if (!this.exitRegistered && this.options.flushOnExit && this.state === OPEN && this.diag.dropWindowOpen) {
      this.exitRegistered = true
      registerForExit(this)
    }
  }

  private onRetry (batch: ProducerBatch, attempt: Attempt, retry: number, delayMs: number, error: LogshipError): void {
    this.retried++
    this.hooks.retry(batch, attempt, retry, delayMs, error)
    if (this.listenerCount('retry') > 0) {
      this.emitSafe('retry', { destination: batch.destination, logCount: batch.logCount, attempt, retry, delayMs, error })
    }
  }

  private settle (batch: ProducerBatch, outcome: AttemptOutcome): void {
    this.finish(batch, outcome.ok, outcome.ok ? undefined : outcome.error, false)
  }

  /** Settles all unsettled records, open or sealed, as abandoned with `error`. */
  private abandonAll (error: LogshipError): void {
    const open = this.accumulator.takeAll()
    this.sender.clear()
    const before = this.abandoned
    for (const batch of open) this.finish(batch, false, error, true)
    for (const batch of [...this.live]) this.finish(batch, false, error, true)
    this.hooks.abandoned(this.abandoned - before, error)
  }

  private finish (batch: ProducerBatch, successful: boolean, error: LogshipError | undefined, abandoned: boolean): void {
    if (batch.settled) return
    batch.settled = true
    this.live.delete(batch)
    this.budget.release(batch.length + batch.charged)
    // Settled after its last request completed (an abandoned batch's request may still be in
    // flight): nothing reads its body again, so the wire may reuse that memory now.
    if (!abandoned && batch.sealed) this.wire.release?.(batch)
    if (successful) this.delivered += batch.logCount
    else if (abandoned) this.abandoned += batch.logCount
    else this.failed += batch.logCount
    this.hooks.settled(batch, successful, error, abandoned)
    // Before any user code runs: a callback that calls flush() must not be counted against this batch.
    // The last flush() caller released: a backoff no longer holds the process (unless draining).
    if (batch.sealed && this.waiters.settled(batch.id)) this.holdProcess()

    const event = successful ? 'delivered' : 'failed'
    const listening = this.listenerCount(event) > 0
    const callbacks = batch.callbacks
    if (callbacks !== null || listening) {
      const result = buildResult(batch, successful,
        abandoned && error !== undefined ? { code: error.code, message: error.message, nowMs: this.clock.now() } : undefined)
      if (callbacks !== null) {
        batch.callbacks = null
        this.userCode.callEach(callbacks, result, 'a send() callback')
      }
      if (listening) {
        const info = { destination: batch.destination, logCount: batch.logCount, rawBytes: batch.bodyBytes, result }
        if (successful) this.emitSafe('delivered', info)
        else this.emitSafe('failed', { ...info, error: error as LogshipError })
      }
    }

    if (this.pending() === 0) this.onIdle()
  }

  private onIdle (): void {
    // The exit flush has delivered everything: the process ends now, with its drops summed up.
    if (this.draining && this.state === OPEN) this.diag.summarizeDrops()
    // A drop window still open keeps the exit flush's listener, which will write its sum.
    if (!(this.diag.dropWindowOpen && this.options.flushOnExit && this.state === OPEN)) this.leaveExitRegistry()
    this.clearExitTimer()
    if (this.state === OPEN) {
      this.draining = false
      this.holdProcess()
    }
  }

  /**
   * Retry backoffs keep the process alive only while someone waits for the batches: close() or the
   * exit flush, or a flush() caller when flushOnExit is off (nothing else would keep a backoff from
   * ending the process under the caller's await). With flushOnExit on, the exit flush takes over
   * when the loop empties: it sends the retries at once and stays bounded by closeTimeoutMs.
   */
  private holdProcess (): void {
    this.sender.keepProcessAlive(this.draining || (!this.options.flushOnExit && this.waiters.size > 0))
  }

  private leaveExitRegistry (): void {
    if (this.exitRegistered) {
      this.exitRegistered = false
      unregisterForExit(this)
    }
    if (this.state !== OPEN) this.clearExitTimer()
  }

  private clearExitTimer (): void {
    if (this.exitTimer !== undefined) {
      this.clock.clearTimeout(this.exitTimer)
      this.exitTimer = undefined
    }
  }

  private destroyWire (): void {
    if (this.wireDestroyed) return
    this.wireDestroyed = true
    try {
      this.wire.destroy()
    } catch {
      // Nothing left to release that we could act on.
    }
  }

  private emitSafe<K extends keyof ProducerEvents> (event: K, payload: ProducerEvents[K][0]): void {
    this.userCode.emit(this as EventEmitter, event, payload)
  }
}

function contentsOf (record: unknown): ContentsInput {
  if (record === null || typeof record !== 'object') {
    throw new InvalidRecordError(`expected an object { time?, contents }, got ${record === null ? 'null' : typeof record}`)
  }
  const contents = readRecordField(record, 'contents')
  if (contents === null || typeof contents !== 'object') {
    throw new InvalidRecordError(`contents must be an object or an array of [key, value] pairs, got ${contents === null ? 'null' : typeof contents}`)
  }
  return contents
}

/** A field of the user's record; a getter or Proxy trap that throws makes the record invalid. */
function readRecordField (record: object, field: 'contents' | 'time'): unknown {
  try {
    return (record as LogRecord)[field]
  } catch {
    throw new InvalidRecordError(`the record's ${field} could not be read (a getter or Proxy that throws?)`)
  }
}

function callbackOf (options: SendOptions | undefined): RecordCallback | undefined {
  if (options === undefined || options === null) return undefined
  const callback = options.callback
  if (callback !== undefined && typeof callback !== 'function') {
    throw new InvalidRecordError(`options.callback must be a function, got ${typeof callback}`)
  }
  return callback
}

/** The engine on an injected wire and clock: what createProducer uses, and what tests drive. */
export function createEngine (options: ResolvedOptions, wire: Wire, clock: Clock = systemClock, deps: EngineDeps = {}): Producer {
  return new ProducerEngine(options, wire, clock, deps)
}

/**
 * A sendAsync() record waiting for buffer space: the budget's waiter, where its entry's copy is,
 * and its caller's promise. One object per waiting record (see budget.ts for why).
 */
class WaitingRecord implements BudgetWaiter, WaitingCopy {
  /** What the budget reserves for it: the record, plus the new batch's charge once prepaid. */
  bytes: number
  next: BudgetWaiter | undefined = undefined
  prev: BudgetWaiter | undefined = undefined
  chunk!: CopyChunk
  start = 0
  end = 0
  /** Set when the wait failed. */
  error: Error | undefined = undefined

  constructor (
    readonly dest: Destination,
    readonly entryBytes: number,
    readonly timeMs: number,
    readonly callback: RecordCallback | undefined,
    readonly charge: number,
    public prepaid: number,
    readonly deadline: number,
    readonly maxBlockMs: number,
    private readonly done: (waiting: WaitingRecord) => void,
    readonly resolve: () => void,
    readonly reject: (error: Error) => void
  ) {
    this.bytes = entryBytes + prepaid
  }

  grant (): void {
    this.done(this)
  }

  fail (error: Error): void {
    this.error = error
    this.done(this)
  }
}
