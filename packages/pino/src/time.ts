/**
 * pino `time` values to a record time at full precision. pino writes epoch ms by default, and
 * epoch seconds (`unixTime`), ISO 8601 (`isoTime`), RFC 3339 with nanoseconds (`isoTimeNano`) or
 * nothing (`timestamp: false`) when asked; custom timestamp functions may write anything.
 *
 * Numbers are read by magnitude, because no pino time format says its unit:
 *   below 1e11          epoch seconds   (1e11 s is the year 5138; 1e11 ms is March 1973)
 *   1e11 up to 1e14     epoch ms        (pino's default; 1e14 ms is the year 5138)
 *   1e14 up to 1e17     epoch µs
 *   1e17 and above      epoch ns
 * Numeric strings are read the same way. Anything else that parses as a date is accepted.
 */

export type ParsedTime = number | bigint

const SECONDS_BELOW = 1e11
const MS_BELOW = 1e14
const US_BELOW = 1e17

const NS_PER_MS = 1_000_000n

// Date and time, optional fraction of any length, optional zone. The fraction is cut out before
// Date.parse, which keeps only milliseconds.
const ISO_RE = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:[.,](\d+))?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/
const DIGITS_RE = /^\d+(?:\.\d+)?$/

/** The record time, or undefined when `value` is not a usable time (the caller keeps it as a field). */
export function parseTime (value: unknown): ParsedTime | undefined {
  if (typeof value === 'number') return fromNumber(value)
  if (typeof value === 'string') return fromString(value)
  return undefined
}

function fromNumber (n: number): ParsedTime | undefined {
  if (!(n >= 0) || n === Infinity) return undefined
  if (n < SECONDS_BELOW) {
    // Whole seconds are exact; a fraction is kept to the µs a double can hold at this magnitude.
    return Number.isInteger(n) ? n * 1000 : BigInt(Math.round(n * 1e6)) * 1000n
  }
  if (n < MS_BELOW) return n
  if (n < US_BELOW) return BigInt(Math.round(n)) * 1000n
  return BigInt(Math.round(n))
}

function fromString (text: string): ParsedTime | undefined {
  const iso = ISO_RE.exec(text)
  if (iso !== null) return fromIso(iso[1], iso[2], iso[3])
  if (DIGITS_RE.test(text)) return fromDigits(text)
  const ms = Date.parse(text)
  return ms >= 0 ? ms : undefined
}

function fromIso (dateTime: string, fraction: string | undefined, zone: string | undefined): ParsedTime | undefined {
  // Without a zone, ECMAScript reads a date-time as local time, as a human reading it would.
  const normalized = dateTime.slice(0, 10) + 'T' + dateTime.slice(11)
  const seconds = Date.parse(zone === undefined ? normalized : normalized + normalizeZone(zone))
  if (!(seconds >= 0)) return undefined
  if (fraction === undefined) return seconds
  if (fraction.length <= 3) return seconds + Number(fraction.padEnd(3, '0'))
  const ns = BigInt(fraction.slice(0, 9).padEnd(9, '0'))
  return BigInt(seconds) * NS_PER_MS + ns
}

function normalizeZone (zone: string): string {
  if (zone.length === 1) return 'Z'
  const digits = zone.slice(1).replace(':', '')
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2).padEnd(2, '0')}`
}

function fromDigits (text: string): ParsedTime | undefined {
  // Long integers are read exactly as bigint, so ns and µs strings keep every digit.
  if (text.length > 15 && !text.includes('.')) {
    const n = BigInt(text)
    if (n < BigInt(US_BELOW)) return n * 1000n
    return n
  }
  return fromNumber(Number(text))
}
