/**
 * Record time normalisation. The full precision of the caller's time reaches the wire: a number is
 * epoch ms whose fractional part is kept as sub-millisecond ns, a bigint is epoch ns, a Date is ms.
 */
import { InvalidRecordError } from './errors.js'
import type { Clock, TimeParts } from './transport.js'

const NS_PER_MS = 1_000_000

/**
 * The latest record time either service can carry: SLS Log.Time is uint32 seconds (2106-02-07). A
 * later time would fail its whole batch (TLS: int64 overflow; SLS: clamped, then out of window).
 */
export const MAX_TIME_MS = 4_294_967_295_999

/** Node fires a timer longer than this after 1 ms; longer waits are capped (and re-armed) or treated as forever. */
export const MAX_TIMER_MS = 2_147_483_647
const NS_PER_MS_BIG = 1_000_000n

/**
 * Writes the parts of `time` into `out` (reused by the caller, so the hot path allocates nothing).
 * `undefined` means now. Anything else that is not a finite non-negative time throws InvalidRecordError.
 */
export function toTimeParts (time: unknown, clock: Clock, out: TimeParts): TimeParts {
  if (time === undefined) {
    out.ms = clock.now()
    out.subMsNs = 0
  } else if (typeof time === 'number') {
    if (!(time >= 0) || time === Infinity) throw new InvalidRecordError(`time must be a finite, non-negative number of ms, got ${time}`)
    setFromMs(time, out)
  } else if (typeof time === 'bigint') {
    if (time < 0n) throw new InvalidRecordError(`time must be a non-negative bigint of ns, got ${time}`)
    out.ms = Number(time / NS_PER_MS_BIG)
    out.subMsNs = Number(time % NS_PER_MS_BIG)
  } else if (time instanceof Date) {
    const ms = dateMs(time)
    if (!(ms >= 0)) throw new InvalidRecordError(`time must be a valid Date at or after 1970, got ${Number.isNaN(ms) ? 'Invalid Date' : time.toISOString()}`)
    out.ms = ms
    out.subMsNs = 0
  } else {
    throw new InvalidRecordError(`time must be a number (ms), a Date or a bigint (ns), got ${time === null ? 'null' : typeof time}`)
  }
  if (out.ms > MAX_TIME_MS) throw new InvalidRecordError(`time must be before 2106-02-07T06:28:16Z (the services' limit), got ${out.ms} ms`)
  return out
}

/** A Date's time; a getTime() replaced by one that throws or answers no number makes the record invalid. */
function dateMs (date: Date): number {
  try {
    const ms: unknown = date.getTime()
    return typeof ms === 'number' ? ms : NaN
  } catch {
    throw new InvalidRecordError('time is a Date whose getTime() throws')
  }
}

function setFromMs (time: number, out: TimeParts): void {
  const ms = Math.floor(time)
  const frac = time - ms
  if (frac === 0) {
    out.ms = ms
    out.subMsNs = 0
    return
  }
  const ns = Math.round(frac * NS_PER_MS)
  // Rounding can reach a whole millisecond (e.g. x.9999999); carry it.
  if (ns >= NS_PER_MS) {
    out.ms = ms + 1
    out.subMsNs = ns - NS_PER_MS
  } else {
    out.ms = ms
    out.subMsNs = ns
  }
}
