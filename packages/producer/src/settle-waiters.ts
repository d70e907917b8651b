/**
 * Callers waiting for sealed batches to settle: flush() (the batches sealed before it was called)
 * and close() (every live batch, bounded by its deadline: CloseDeadline). The engine reports each
 * sealed batch as it settles; a waiter counts down instead of rescanning the live set.
 */
import { MAX_TIMER_MS } from './time.js'
import { monotonicNow, type Clock, type TimerHandle } from './transport.js'

interface Waiter {
  /** Counts batches with id <= upTo. */
  upTo: number
  remaining: number
  done: () => void
}

export class SettleWaiters {
  #waiters: Waiter[] = []

  /** Callers still waiting. */
  get size (): number {
    return this.#waiters.length
  }

  /** Resolves once `remaining` sealed batches with id <= upTo (Infinity: any) have settled. */
  waitFor (upTo: number, remaining: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ upTo, remaining, done: resolve })
    })
  }

  /** A sealed batch settled: counts it for every waiter it concerns, releasing those done. True if any was. */
  settled (batchId: number): boolean {
    const waiters = this.#waiters
    let released = false
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]
      if (batchId <= w.upTo && --w.remaining === 0) {
        waiters.splice(i--, 1)
        w.done()
        released = true
      }
    }
    return released
  }
}

/**
 * The running close()'s deadline. Every close({ timeoutMs }) call's deadline holds, so a later call
 * may bring it forward, never back. `passed` resolves when it is reached; without a deadline (no
 * timeoutMs, or one beyond what a timer can wait) it never does.
 */
export class CloseDeadline {
  readonly passed: Promise<void>
  readonly #clock: Clock
  #pass!: () => void
  #at = Infinity
  #timeoutMs = 0
  #timer: TimerHandle | undefined
  #over = false

  constructor (clock: Clock) {
    this.#clock = clock
    this.passed = new Promise((resolve) => { this.#pass = resolve })
  }

  /** The timeoutMs of the call whose deadline this is (what CloseTimeoutError reports). */
  get timeoutMs (): number {
    return this.#timeoutMs
  }

  /** Moves the deadline to timeoutMs from now if that is sooner; undefined (wait until done) changes nothing. */
  bringForward (timeoutMs: number | undefined): void {
    if (timeoutMs === undefined || timeoutMs > MAX_TIMER_MS || this.#over) return
    const at = monotonicNow(this.#clock) + timeoutMs
    if (at >= this.#at) return
    this.#at = at
    this.#timeoutMs = timeoutMs
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = this.#clock.setTimeout(this.#expire, timeoutMs)
  }

  /** close() is done: no timer left behind, and later calls change nothing. */
  end (): void {
    this.#over = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  readonly #expire = (): void => {
    this.#timer = undefined
    this.#over = true
    this.#pass()
  }
}
