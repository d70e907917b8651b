/**
 * totalSizeInBytes accounting. The unit is the encoded size of each record's log entry (what the
 * batch's `entries` buffer holds for it), plus, with many destinations open, each further batch's own
 * memory (accumulator.ts, FREE_BATCHES); the per-batch request overhead (tags, source, topic) is not
 * counted. Bytes are reserved when a record is accepted and released when its batch settles, so
 * `used` never exceeds `limit`.
 *
 * `send()` only ever calls tryReserve (never waits). `sendAsync()` may wait: waiters are served
 * strictly FIFO on release, each getting its bytes reserved before it is told, so a later caller
 * can never take the space a waiter was promised.
 *
 * A waiter is an object of the caller's (the engine's waiting record), told once through grant()
 * or fail(), not a promise with its own timer: under a full buffer a thousand records may wait at
 * once, and per-waiter promises, closures and timers lived long enough to reach V8's old
 * generation, which held ~15 MiB more at the 2M-record burst's peak (bench/RESULTS.md, fifteenth
 * pass). One timer serves every deadline.
 */
import { BufferFullError } from './errors.js'
import { MAX_TIMER_MS } from './time.js'
import { monotonicNow, type Clock, type TimerHandle } from './transport.js'

export interface BudgetWaiter {
  /** Bytes to reserve for it. */
  bytes: number
  /** When it fails with BufferFullError, on the budget's monotonic clock (deadlineAfter); Infinity waits until rejectAll(). */
  deadline: number
  /** What the error says it waited (maxBlockMs). */
  maxBlockMs: number
  /** Its bytes are reserved. Called from release() or from the timer: defer anything heavy. */
  grant (): void
  fail (error: Error): void
  /** Owned by the Budget while queued (a doubly linked FIFO). */
  next: BudgetWaiter | undefined
  prev: BudgetWaiter | undefined
}

/** What wait() did: reserved at once (nothing will be called), queued, or failed at once (fail() was called). */
export type WaitStart = 'reserved' | 'queued' | 'failed'

export class Budget {
  readonly limit: number
  used = 0
  private readonly clock: Clock
  private head: BudgetWaiter | undefined
  private tail: BudgetWaiter | undefined
  private waiting = 0
  private timer: TimerHandle | undefined
  /** The deadline the timer is set for. */
  private timerAt = Infinity
  /**
   * Deadlines come in queue order (one maxBlockMs for all, on a clock that only moves forward)
   * but for a waiter queued again with its first deadline (engine.ts: a record that needs a new
   * batch's charge after all): those few are kept here too, so the timer need never walk the queue.
   */
  private readonly early = new Set<BudgetWaiter>()
  /** The latest deadline of a waiter queued in order. */
  private lastDeadline = -Infinity

  constructor (limit: number, clock: Clock) {
    this.limit = limit
    this.clock = clock
  }

  /** Reserves `bytes` if they fit now. */
  tryReserve (bytes: number): boolean {
    if (this.used + bytes > this.limit) return false
    this.used += bytes
    return true
  }

  /** Number of sendAsync callers waiting for space. */
  get waiters (): number {
    return this.waiting
  }

  /**
   * The deadline of a wait of `maxBlockMs` starting now (negative, or beyond what a timer holds,
   * about 24.8 days: Infinity). Monotonic: a step of the wall clock (NTP) neither stretches nor cuts a wait.
   */
  deadlineAfter (maxBlockMs: number): number {
    return maxBlockMs < 0 || maxBlockMs > MAX_TIMER_MS ? Infinity : this.now() + maxBlockMs
  }

  /**
   * Reserves the waiter's bytes now when nobody waits and they fit; else queues it until they fit
   * or its deadline passes. A deadline already passed fails it at once (fail() is called before
   * this returns), as maxBlockMs 0 does when there is no room.
   */
  wait (waiter: BudgetWaiter): WaitStart {
    if (this.head === undefined && this.tryReserve(waiter.bytes)) return 'reserved'
    const deadline = waiter.deadline
    if (deadline !== Infinity && deadline <= this.now()) {
      waiter.fail(new BufferFullError(waiter.maxBlockMs, this.limit))
      return 'failed'
    }
    waiter.next = undefined
    waiter.prev = this.tail
    if (this.tail === undefined) this.head = waiter
    else this.tail.next = waiter
    this.tail = waiter
    this.waiting++
    if (deadline < this.lastDeadline) this.early.add(waiter)
    else this.lastDeadline = deadline
    if (deadline < this.timerAt) this.arm(deadline)
    return 'queued'
  }

  release (bytes: number): void {
    this.used -= bytes
    if (this.used < 0) this.used = 0
    this.wake()
  }

  /** Fails every waiter (close/destroy). */
  rejectAll (error: Error): void {
    let w = this.head
    this.head = this.tail = undefined
    this.waiting = 0
    this.early.clear()
    this.lastDeadline = -Infinity
    this.disarm()
    while (w !== undefined) {
      const next = w.next
      w.next = w.prev = undefined
      w.fail(error)
      w = next
    }
  }

  private now (): number {
    return monotonicNow(this.clock)
  }

  private unlink (w: BudgetWaiter): void {
    if (w.prev === undefined) this.head = w.next
    else w.prev.next = w.next
    if (w.next === undefined) this.tail = w.prev
    else w.next.prev = w.prev
    w.next = w.prev = undefined
    this.waiting--
    this.early.delete(w)
    if (this.head === undefined) this.lastDeadline = -Infinity
  }

  private wake (): void {
    // Strict FIFO: stop at the first waiter that does not fit, so a big record is not starved by small ones.
    while (this.head !== undefined && this.used + this.head.bytes <= this.limit) {
      const w = this.head
      this.unlink(w)
      this.used += w.bytes
      w.grant()
    }
    if (this.head === undefined) this.disarm()
  }

  private arm (deadline: number): void {
    this.disarm()
    if (deadline === Infinity) return
    this.timerAt = deadline
    // A longer delay than a timer holds (about 24.8 days) fires early, finds nothing due, and sets itself again.
    this.timer = this.clock.setTimeout(this.expire, Math.min(MAX_TIMER_MS, Math.max(0, deadline - this.now())))
  }

  private disarm (): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
  }

  /**
   * The timer: in queue order, lets in what fits and fails what has expired, stopping at the first
   * waiter that neither fits nor has expired (so a small record behind an expiring big one still
   * gets in); the few waiters out of deadline order are checked apart. Then it is set for the next
   * deadline. Each firing costs what it settles, never a walk of the whole queue.
   */
  private readonly expire = (): void => {
    this.timer = undefined
    this.timerAt = Infinity
    const now = this.now()
    for (const w of this.early) {
      if (w.deadline <= now) {
        this.unlink(w)
        w.fail(new BufferFullError(w.maxBlockMs, this.limit))
      }
    }
    while (this.head !== undefined) {
      const w = this.head
      if (this.used + w.bytes <= this.limit) {
        this.unlink(w)
        this.used += w.bytes
        w.grant()
      } else if (w.deadline <= now) {
        this.unlink(w)
        w.fail(new BufferFullError(w.maxBlockMs, this.limit))
      } else {
        break
      }
    }
    let next = Infinity
    for (const w of this.early) if (w.deadline < next) next = w.deadline
    // The first waiter in deadline order: the first one not kept apart (a few may precede it).
    for (let w = this.head; w !== undefined; w = w.next) {
      if (this.early.has(w)) continue
      if (w.deadline < next) next = w.deadline
      break
    }
    if (next !== Infinity) this.arm(next)
  }
}
