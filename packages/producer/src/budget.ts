/**
 * totalSizeInBytes accounting. The unit is the encoded size of each record's log entry (what the
 * batch's `entries` buffer holds for it), plus, with many destinations open, each further batch's own
 * memory (accumulator.ts, FREE_BATCHES); the per-batch request overhead (tags, source, topic) is not
 * counted. Bytes are reserved when a record is accepted and released when its batch settles, so
 * `used` never exceeds `limit`.
 *
 * `send()` only ever calls tryReserve (never waits). `sendAsync()` may wait: waiters are served
 * strictly FIFO on release, each getting its bytes reserved before it is woken, so a later caller
 * can never take the space a waiter was promised.
 */
import { BufferFullError } from './errors.js'
import { MAX_TIMER_MS } from './time.js'
import type { Clock, TimerHandle } from './transport.js'

interface Waiter {
  bytes: number
  grant: () => void
  fail: (error: Error) => void
  maxBlockMs: number
  timer: TimerHandle | undefined
  /** Linked list, FIFO. */
  next: Waiter | undefined
  done: boolean
}

export class Budget {
  readonly limit: number
  used = 0
  private readonly clock: Clock
  private head: Waiter | undefined
  private tail: Waiter | undefined
  private waiting = 0

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
   * Waits for `bytes` to fit and reserves them. maxBlockMs 0 fails at once, negative waits forever.
   * Rejects with BufferFullError when the wait ran out, or with the error given to rejectAll().
   */
  reserve (bytes: number, maxBlockMs: number): Promise<void> {
    if (this.head === undefined && this.tryReserve(bytes)) return Promise.resolve()
    if (maxBlockMs === 0) return Promise.reject(new BufferFullError(0, this.limit))
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: resolve,
        fail: reject,
        maxBlockMs,
        timer: undefined,
        next: undefined,
        done: false
      }
      // Beyond what a timer can hold (about 24.8 days) is as good as forever.
      if (maxBlockMs > 0 && maxBlockMs <= MAX_TIMER_MS) {
        waiter.timer = this.clock.setTimeout(() => this.expire(waiter), maxBlockMs)
      }
      if (this.tail === undefined) this.head = waiter
      else this.tail.next = waiter
      this.tail = waiter
      this.waiting++
    })
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
    while (w !== undefined) {
      const next = w.next
      if (!w.done) {
        w.done = true
        if (w.timer !== undefined) this.clock.clearTimeout(w.timer)
        w.fail(error)
      }
      w = next
    }
  }

  private wake (): void {
    // Strict FIFO: stop at the first waiter that does not fit, so a big record is not starved by small ones.
    while (this.head !== undefined && this.used + this.head.bytes <= this.limit) {
      const w = this.head
      this.head = w.next
      if (this.head === undefined) this.tail = undefined
      this.waiting--
      w.done = true
      if (w.timer !== undefined) this.clock.clearTimeout(w.timer)
      this.used += w.bytes
      w.grant()
    }
  }

  private expire (waiter: Waiter): void {
    if (waiter.done) return
    waiter.done = true
    // Unlink it.
    let prev: Waiter | undefined
    let w = this.head
    while (w !== undefined && w !== waiter) {
      prev = w
      w = w.next
    }
    if (w !== undefined) {
      if (prev === undefined) this.head = w.next
      else prev.next = w.next
      if (this.tail === w) this.tail = prev
      this.waiting--
    }
    waiter.fail(new BufferFullError(waiter.maxBlockMs, this.limit))
    // The expired waiter may have blocked smaller ones behind it.
    this.wake()
  }
}
