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
 * Numeric strings are read the same way. Other text only in the date forms of the producer's
 * parseDateText (ISO 8601 / RFC 3339, or with a month name): Date.parse alone took "build 7" for a date.
 */

import { parseDateText } from '@logship/producer'

export type ParsedTime = number | bigint

const SECONDS_BELOW = 1e11
const MS_BELOW = 1e14
const US_BELOW = 1e17

const DIGITS_RE = /^\d+(?:\.\d+)?$/

/** The record time, or undefined when `value` is not a usable time (the caller keeps it as a field). */
export function parseTime (value: unknown): ParsedTime | undefined {
  if (typeof value === 'number') return fromNumber(value)
  if (typeof value === 'string') return fromString(value)
  // An integer beyond 2^53 from parseJsonExact: read as its digits are.
  if (typeof value === 'bigint') return value >= 0n ? fromDigits(value.toString()) : undefined
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
  if (DIGITS_RE.test(text)) return fromDigits(text)
  return parseDateText(text)
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
