/**
 * A service's window of accepted log times, checked per record at send().
 *
 * SLS refuses a whole PutLogs request when any one of its logs is dated more than 7 days before the
 * server's clock or more than 15 minutes after it (400 PostBodyInvalid, "post data time is out of
 * range"). One such record would lose every record of its batch, so it is refused alone, at send(),
 * with an InvalidRecordError. The window checked is narrower than the service's by a margin on each
 * side, so that a record near an edge is still inside when it arrives: it may wait in the buffer,
 * through retries, and meet a server clock a little behind this machine's.
 *
 * The clock is read only for a time outside a band around the last reading. Records dated "now"
 * keep passing the band's upper edge as the clock moves, so the reading stays within about a band's
 * width of the real time; a record older than the band (a replay, a backlog) costs one reading.
 */
import { InvalidRecordError } from '../errors.js'

export interface TimeWindowLimits {
  /** How far back the service accepts, and how far ahead (ms). */
  pastMs: number
  futureMs: number
  /** Taken off each side of the service's window (ms). */
  pastMarginMs: number
  futureMarginMs: number
  /** Named in the error: what refuses the time. */
  service: string
}

export const SLS_TIME_WINDOW: TimeWindowLimits = {
  pastMs: 7 * 24 * 3_600_000,
  futureMs: 15 * 60_000,
  pastMarginMs: 10 * 60_000,
  futureMarginMs: 5 * 60_000,
  service: 'SLS'
}

/** Times within this of the last clock reading pass without a new one. */
const BAND_MS = 60_000
/** And so do at most this many in a row: bounds the reading's age for a stream of times that stand still. */
const MAX_UNREAD_CHECKS = 65_536

export class TimeWindow {
  private readonly limits: TimeWindowLimits
  private readonly now: () => number
  private bandLow = 1
  private bandHigh = 0
  private unread = 0

  constructor (limits: TimeWindowLimits, now: () => number) {
    this.limits = limits
    this.now = now
  }

  /** Throws InvalidRecordError when `ms` is outside the window. */
  check (ms: number): void {
    if (ms >= this.bandLow && ms <= this.bandHigh && ++this.unread < MAX_UNREAD_CHECKS) return
    const now = this.now()
    this.bandLow = now - BAND_MS
    this.bandHigh = now + BAND_MS
    this.unread = 0
    const { pastMs, futureMs, pastMarginMs, futureMarginMs, service } = this.limits
    const earliest = now - pastMs + pastMarginMs
    const latest = now + futureMs - futureMarginMs
    if (ms >= earliest && ms <= latest) return
    throw new InvalidRecordError(
      `time ${new Date(ms).toISOString()} is outside what ${service} accepts (${describe(pastMs)} back to ${describe(futureMs)} ahead; ` +
      `checked from ${new Date(earliest).toISOString()} to ${new Date(latest).toISOString()}, leaving a margin for time in the buffer): ` +
      `${service} would refuse the whole request that carried it`)
  }
}

function describe (ms: number): string {
  return ms >= 86_400_000 ? `${ms / 86_400_000} days` : `${ms / 60_000} minutes`
}
