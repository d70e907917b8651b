/**
 * Sends sealed batches: at most maxSenderCount requests in flight, a FIFO queue of batches waiting
 * for a slot, and a min-heap of batches waiting for a retry (they hold no slot while they wait).
 *
 * Classification of a failed attempt: it is retried when the wire says it is retriable (429, 5xx,
 * network errors, timeouts), its status is not in noRetryStatusCodes, and the batch has been sent at
 * most `retries` times so far (so at most retries + 1 sends in all). An attempt refused for
 * authentication after which the credentials function gave new credentials is sent again at once,
 * first in the queue, and does not count against `retries` (once per refusal, never twice in a row).
 *
 * While draining (close() or the exit flush) retries go on: unlike the Go producers, which make
 * every failure final once closing starts, a transient 503 at shutdown should not lose a batch. The
 * close deadline (timeoutMs, or closeTimeoutMs for the exit flush) bounds the wait instead. The
 * retry timer is ref'd while the engine says someone waits for the batches (draining, or a flush()
 * caller), so that a process ending on its own waits for the retry; otherwise it is unref'd.
 *
 * Backoff before retry n (1 for the first retry), "equal jitter":
 *   cap   = min(maxRetryBackoffMs, baseRetryBackoffMs · 2^(n−1))
 *   delay = cap/2 + random() · cap/2          (so 50 % to 100 % of cap)
 *   delay = max(delay, min(retryAfterMs, maxRetryBackoffMs))   when the service sent Retry-After
 */
import { LogshipError, NetworkError } from './errors.js'
import type { ProducerBatch } from './accumulator.js'
import { attemptFromOutcome, recordAttempt } from './result.js'
import { MAX_TIMER_MS } from './time.js'
import { monotonicNow, type AttemptOutcome, type Clock, type TimerHandle, type Wire } from './transport.js'
import type { Attempt } from './types.js'

export interface SenderOptions {
  maxSenderCount: number
  retries: number
  maxReservedAttempts: number
  baseRetryBackoffMs: number
  maxRetryBackoffMs: number
  noRetryStatusCodes: ReadonlySet<number>
}

export interface SenderHooks {
  /** The batch is done: delivered, or finally failed (outcome is the last attempt's). */
  settle (batch: ProducerBatch, outcome: AttemptOutcome): void
  /** A retry was scheduled. */
  retry (batch: ProducerBatch, attempt: Attempt, retry: number, delayMs: number, error: LogshipError): void
  /** Optional request observers (tracing, diagnostics, metrics); what requestStart returns is handed to requestEnd. */
  requestStart? (batch: ProducerBatch): object | undefined
  /** Called before the retry or settle hook; `abandoned`: the batch was settled while the request was in flight. */
  requestEnd? (batch: ProducerBatch, context: object | undefined, attempt: Attempt, willRetry: boolean, abandoned: boolean): void
}

export function backoffMs (retry: number, options: SenderOptions, random: () => number, retryAfterMs?: number): number {
  const cap = Math.min(options.maxRetryBackoffMs, options.baseRetryBackoffMs * Math.pow(2, retry - 1))
  let delay = Math.round(cap / 2 + random() * cap / 2)
  if (retryAfterMs !== undefined && retryAfterMs > delay) delay = Math.min(retryAfterMs, options.maxRetryBackoffMs)
  return delay
}

export class Sender {
  inFlight = 0
  /** wire.send calls made. */
  requests = 0
  /** Batches sent at least once. */
  batchesSent = 0

  private readonly wire: Wire
  private readonly clock: Clock
  private readonly options: SenderOptions
  private readonly hooks: SenderHooks
  private readonly random: () => number
  private queue: Array<ProducerBatch | undefined> = []
  private queueHead = 0
  private readonly heap: ProducerBatch[] = []
  private retryTimer: TimerHandle | undefined
  private retryTimerDue = Infinity
  /** See keepProcessAlive(). */
  private holdsProcess = false

  constructor (wire: Wire, clock: Clock, options: SenderOptions, hooks: SenderHooks, random: () => number = Math.random) {
    this.wire = wire
    this.clock = clock
    this.options = options
    this.hooks = hooks
    this.random = random
  }

  /** Batches waiting for a sender slot. */
  get queued (): number {
    return this.queue.length - this.queueHead
  }

  /** Batches waiting for their retry time. */
  get waitingRetry (): number {
    return this.heap.length
  }

  enqueue (batch: ProducerBatch): void {
    this.queue.push(batch)
    this.pump()
  }

  /**
   * Whether the retry timer keeps the process alive (the engine decides: while someone waits for
   * the batches), so that a retry backoff cannot end the process under them. Re-arming keeps it.
   */
  keepProcessAlive (on: boolean): void {
    if (on === this.holdsProcess) return
    this.holdsProcess = on
    this.wire.keepProcessAlive?.(on)
    if (this.retryTimer !== undefined) {
      if (on) this.retryTimer.ref?.()
      else this.retryTimer.unref?.()
    }
  }

  /** Moves every batch waiting for a retry to the send queue, ignoring its backoff (close, exit). */
  retryAllNow (): void {
    this.disarm()
    const due = this.heap.splice(0, this.heap.length).sort((a, b) => a.retryDue - b.retryDue)
    for (const batch of due) {
      batch.heapIndex = -1
      this.queue.push(batch)
    }
    this.pump()
  }

  /** Forgets every queued and waiting batch (the engine settles them); in-flight ones are ignored when they return. */
  clear (): void {
    this.disarm()
    for (const batch of this.heap) batch.heapIndex = -1
    this.heap.length = 0
    this.queue = []
    this.queueHead = 0
  }

  private pump (): void {
    const max = this.options.maxSenderCount
    while (this.inFlight < max && this.queueHead < this.queue.length) {
      const batch = this.queue[this.queueHead] as ProducerBatch
      this.queue[this.queueHead++] = undefined
      if (!batch.settled) this.dispatch(batch)
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0
      this.queueHead = 0
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead)
      this.queueHead = 0
    }
  }

  private dispatch (batch: ProducerBatch): void {
    this.inFlight++
    this.requests++
    if (batch.attemptCount === 0) this.batchesSent++
    const context = this.hooks.requestStart?.(batch)
    const start = monotonicNow(this.clock)
    let pending: Promise<AttemptOutcome>
    try {
      pending = this.wire.send(batch)
    } catch (error) {
      pending = Promise.resolve(wireFailure(error))
    }
    pending.then(
      (outcome) => this.complete(batch, outcome, start, context),
      (error: unknown) => this.complete(batch, wireFailure(error), start, context)
    )
  }

  private complete (batch: ProducerBatch, outcome: AttemptOutcome, start: number, context: object | undefined): void {
    this.inFlight--
    // The attempt's timestamp is wall time; its duration and the retry's due time are monotonic.
    const end = monotonicNow(this.clock)
    // Abandoned (close deadline, destroy) while this request was in flight: its result no longer
    // matters to the batch, but the request still ended (stats().requests counted it), so observers
    // hear of it, usually as the abort the wire's destroy made of it.
    if (batch.settled) {
      this.hooks.requestEnd?.(batch, context, attemptFromOutcome(outcome, this.clock.now(), end - start), false, true)
    } else {
      const attempt = attemptFromOutcome(outcome, this.clock.now(), end - start)
      recordAttempt(batch, attempt, this.options.maxReservedAttempts)
      if (!outcome.ok && outcome.renewedCredentials === true && !batch.renewing) {
        // Refused for authentication, with new credentials from the credentials function: once more
        // at once, first in the queue, outside `retries` (the README promises one more try).
        batch.renewing = true
        batch.freeAttempts++
        this.hooks.requestEnd?.(batch, context, attempt, true, false)
        this.sendFirst(batch)
        this.pump()
        return
      }
      batch.renewing = false
      const counted = batch.attemptCount - batch.freeAttempts
      const willRetry = !outcome.ok && outcome.retriable &&
        !this.options.noRetryStatusCodes.has(outcome.status) && counted <= this.options.retries
      this.hooks.requestEnd?.(batch, context, attempt, willRetry, false)
      if (willRetry) {
        const retry = counted
        const delay = backoffMs(retry, this.options, this.random, outcome.retryAfterMs)
        this.schedule(batch, end + delay)
        this.hooks.retry(batch, attempt, retry, delay, outcome.error)
      } else {
        this.hooks.settle(batch, outcome)
      }
    }
    this.pump()
  }

  private sendFirst (batch: ProducerBatch): void {
    if (this.queueHead > 0) this.queue[--this.queueHead] = batch
    else this.queue.unshift(batch)
  }

  private schedule (batch: ProducerBatch, due: number): void {
    batch.retryDue = due
    heapPush(this.heap, batch)
    if (due < this.retryTimerDue) {
      this.disarm()
      this.retryTimerDue = due
      this.retryTimer = this.clock.setTimeout(this.onRetryTimer, Math.min(MAX_TIMER_MS, Math.max(0, due - monotonicNow(this.clock))))
      if (this.holdsProcess) this.retryTimer.ref?.()
    }
  }

  private disarm (): void {
    if (this.retryTimer !== undefined) {
      this.clock.clearTimeout(this.retryTimer)
      this.retryTimer = undefined
    }
    this.retryTimerDue = Infinity
  }

  private readonly onRetryTimer = (): void => {
    this.retryTimer = undefined
    this.retryTimerDue = Infinity
    const now = monotonicNow(this.clock)
    // 1 ms of slack: real timers may fire a hair before the clock reaches the due time.
    while (this.heap.length > 0 && this.heap[0].retryDue <= now + 1) {
      const batch = heapPop(this.heap)
      if (!batch.settled) this.queue.push(batch)
    }
    if (this.heap.length > 0) {
      const due = this.heap[0].retryDue
      this.retryTimerDue = due
      this.retryTimer = this.clock.setTimeout(this.onRetryTimer, Math.min(MAX_TIMER_MS, Math.max(1, due - now)))
      if (this.holdsProcess) this.retryTimer.ref?.()
    }
    this.pump()
  }
}

/** The wire promised never to throw or reject; if it does anyway, the attempt is a final failure. */
function wireFailure (error: unknown): AttemptOutcome {
  const message = error instanceof Error ? error.message : String(error)
  return {
    ok: false,
    retriable: false,
    status: 0,
    errorCode: 'WireError',
    errorMessage: message,
    requestId: '',
    error: error instanceof LogshipError ? error : new NetworkError('EWIRE', message, false)
  }
}

function heapPush (heap: ProducerBatch[], batch: ProducerBatch): void {
  let i = heap.length
  heap.push(batch)
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (heap[parent].retryDue <= batch.retryDue) break
    heap[i] = heap[parent]
    heap[i].heapIndex = i
    i = parent
  }
  heap[i] = batch
  batch.heapIndex = i
}

function heapPop (heap: ProducerBatch[]): ProducerBatch {
  const top = heap[0]
  const last = heap.pop() as ProducerBatch
  if (heap.length > 0) {
    let i = 0
    const n = heap.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && heap[r].retryDue < heap[l].retryDue ? r : l
      if (heap[c].retryDue >= last.retryDue) break
      heap[i] = heap[c]
      heap[i].heapIndex = i
      i = c
    }
    heap[i] = last
    last.heapIndex = i
  }
  top.heapIndex = -1
  return top
}
