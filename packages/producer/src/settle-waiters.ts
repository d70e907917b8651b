/**
 * Callers waiting for sealed batches to settle: flush() (the batches sealed before it was called)
 * and close() (every live batch, bounded by its deadline). The engine reports each sealed batch
 * as it settles; a waiter counts down instead of rescanning the live set.
 */
import { MAX_TIMER_MS } from './time.js'
import type { Clock, TimerHandle } from './transport.js'

interface Waiter {
  /** Counts batches with id <= upTo. */
  upTo: number
  remaining: number
  done: () => void
}

export class SettleWaiters {
  readonly #clock: Clock
  #waiters: Waiter[] = []

  constructor (clock: Clock) {
    this.#clock = clock
  }

  /** Callers still waiting. */
  get size (): number {
    return this.#waiters.length
  }

  /** Resolves once `remaining` sealed batches with id <= upTo have settled. */
  waitFor (upTo: number, remaining: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ upTo, remaining, done: resolve })
    })
  }

  /** Resolves false once `remaining` batches have settled, true when timeoutMs ran out first. */
  waitAll (remaining: number, timeoutMs: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined
      const waiter: Waiter = {
        upTo: Infinity,
        remaining,
        done: () => {
          if (timer !== undefined) this.#clock.clearTimeout(timer)
          resolve(false)
        }
      }
      this.#waiters.push(waiter)
      if (timeoutMs !== undefined && timeoutMs <= MAX_TIMER_MS) {
        timer = this.#clock.setTimeout(() => {
          const i = this.#waiters.indexOf(waiter)
          if (i !== -1) this.#waiters.splice(i, 1)
          resolve(true)
        }, timeoutMs)
      }
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
