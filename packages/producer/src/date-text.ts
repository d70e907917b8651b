/**
 * A date-time written as text, as a logger's `time` or `timestamp` field may carry it, to a record
 * time. Only forms that say which number is the day are read: V8's Date.parse reads nearly any text
 * as some date ("build 7" is 2001-07-01) and day-first dates as month-first (05-11-2026 is May 11),
 * which sent records months off and made SLS refuse them as out of its window. Accepted:
 * - ISO 8601 / RFC 3339: `2026-11-23`, `2026-11-23T17:00Z`, `2026-11-23 17:00:00.123456789+08:00`;
 *   without a zone, a date-time is local time (as ECMAScript reads it) and a date alone is UTC;
 * - with an English month name: RFC 2822 and `Date#toUTCString()` (`Mon, 23 Nov 2026 17:00:00 GMT`),
 *   and `Date#toString()` (`Mon Nov 23 2026 17:00:00 GMT+0800 (China Standard Time)`).
 * Anything else is not a time: the adapters keep it as a field and use the time it was logged. So is
 * a date that does not exist (`2024-02-30`, `24:00`), which Date.parse rolls over into the next one.
 */

/** Epoch ms, or epoch ns as a bigint when the text has digits below the millisecond. */
export type DateTextTime = number | bigint

// Date, then optionally the time (seconds and a fraction of any length optional), then the zone.
const ISO_RE = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const MONTH = `(${MONTHS.join('|')})`
// Day and month either way round (RFC 2822: `23 Nov`; Date#toString: `Nov 23`), captured for the check.
const NAMED_MONTH_RE = new RegExp(
  `^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\\s+)?(?:(\\d{1,2})\\s+${MONTH}|${MONTH}\\s+(\\d{1,2}))\\s+(\\d{4})\\s+(\\d{2}):(\\d{2})(?::(\\d{2}))?` +
  '(?:\\s+(?:(?:GMT|UTC|UT)(?:[+-]\\d{4})?|[+-]\\d{4}|Z))?(?:\\s+\\([^()]*\\))?$'
)
const NS_PER_MS = 1_000_000n

/** The time `text` names, or undefined when it is not one of the forms above (or before 1970). */
export function parseDateText (text: string): DateTextTime | undefined {
  const iso = ISO_RE.exec(text)
  if (iso !== null) return fromIso(iso[1], iso[2], iso[3], iso[4])
  const named = NAMED_MONTH_RE.exec(text)
  if (named === null) return undefined
  const month = MONTHS.indexOf(named[2] ?? named[3]) + 1
  if (!exists(Number(named[5]), month, Number(named[1] ?? named[4]), named[6], named[7], named[8])) return undefined
  const ms = Date.parse(text)
  return ms >= 0 ? ms : undefined
}

function fromIso (date: string, time: string | undefined, fraction: string | undefined, zone: string | undefined): DateTextTime | undefined {
  // A zone on a date alone is not ISO 8601.
  if (time === undefined && zone !== undefined) return undefined
  if (!exists(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)), time?.slice(0, 2), time?.slice(3, 5), time?.slice(6, 8))) return undefined
  const base = time === undefined ? date : `${date}T${time.length === 5 ? time + ':00' : time}`
  const ms = Date.parse(zone === undefined ? base : base + normalizeZone(zone))
  if (!(ms >= 0)) return undefined
  if (fraction === undefined) return ms
  if (fraction.length <= 3) return ms + Number(fraction.padEnd(3, '0'))
  // Below the ms: kept to the ns (the services' precision), as a bigint.
  return BigInt(ms) * NS_PER_MS + BigInt(fraction.slice(0, 9).padEnd(9, '0'))
}

/** The day is in its month (29 February in leap years only) and the time of day below 24:00. */
function exists (year: number, month: number, day: number, hour = '0', minute = '0', second = '0'): boolean {
  if (month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  return day <= days && Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60
}

function normalizeZone (zone: string): string {
  if (zone.length === 1) return 'Z'
  const digits = zone.slice(1).replace(':', '')
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2).padEnd(2, '0')}`
}
