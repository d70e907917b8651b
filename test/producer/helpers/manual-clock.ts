/** A Clock whose time only moves when a test says so; advance() fires due timers in order. */
import type { Clock, TimerHandle } from '../../../packages/producer/src/transport.js'

interface ManualTimer extends TimerHandle {
  due: number
  seq: number
  fn: () => void
  cancelled: boolean
  /** Like the system clock's timers, unref'd until ref() is called. */
  refed: boolean
  unref: () => ManualTimer
  ref: () => ManualTimer
}

export class ManualClock implements Clock {
  private t: number
  private seq = 0
  private timers: ManualTimer[] = []

  constructor (start = 1_700_000_000_000) {
    this.t = start
  }

  /** What the wall clock is off from the monotonic one (see stepWall). */
  private wallOffset = 0

  /** Wall time: the monotonic time plus every stepWall() so far. */
  now (): number {
    return this.t + this.wallOffset
  }

  /** The time timers run on, which a wall-clock step does not move. */
  monotonicNow (): number {
    return this.t
  }

  /** Steps the wall clock (NTP correcting it) without time passing: now() moves, timers do not. */
  stepWall (ms: number): void {
    this.wallOffset += ms
  }

  setTimeout (fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = {
      due: this.t + Math.max(0, ms),
      seq: this.seq++,
      fn,
      cancelled: false,
      refed: false,
      unref: () => { timer.refed = false; return timer },
      ref: () => { timer.refed = true; return timer }
    }
    this.timers.push(timer)
    return timer
  }

  clearTimeout (handle: TimerHandle): void {
    (handle as ManualTimer).cancelled = true
    this.timers = this.timers.filter((t) => t !== handle)
  }

  /** Timers armed and not yet fired or cleared. */
  get pendingTimers (): number {
    return this.timers.length
  }

  /** Armed timers that would keep a real process alive (ref'd). */
  get refedTimers (): number {
    return this.timers.filter((t) => t.refed).length
  }

  /** When the next timer is due, or undefined. */
  nextDue (): number | undefined {
    const next = this.next(Infinity)
    return next?.due
  }

  /**
   * Moves time forward by `ms`, firing every timer that comes due on the way, in due order, and
   * letting promise callbacks run after each one (so wire outcomes are processed in between).
   */
  async advance (ms: number): Promise<void> {
    const end = this.t + ms
    await flushMicrotasks()
    for (;;) {
      const timer = this.next(end)
      if (timer === undefined) break
      this.timers = this.timers.filter((t) => t !== timer)
      this.t = Math.max(this.t, timer.due)
      timer.fn()
      await flushMicrotasks()
    }
    this.t = end
    await flushMicrotasks()
  }

  private next (limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined
    for (const timer of this.timers) {
      if (timer.cancelled || timer.due > limit) continue
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.seq < best.seq)) best = timer
    }
    return best
  }
}

/** Lets every pending promise callback run (a macrotask turn drains the microtask queue). */
export function flushMicrotasks (): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
