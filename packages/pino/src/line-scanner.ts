/**
 * A single-pass reader for the JSON lines pino writes, producing the record's pairs directly.
 * JSON.parse builds an object per line (and one per nested value) that the mapping then walks and
 * the producer serializes again; at a few hundred thousand lines a second that was the worker's
 * largest cost. Here strings without escapes are slices of the line, numbers keep the text pino
 * wrote (the same text String() would give, and exact for integers beyond 2^53), and nested
 * objects and arrays keep their compact JSON text, which is what the shared rules would produce.
 *
 * It reads only what pino writes: no whitespace between tokens, keys without escapes. Anything
 * else returns undefined and the caller takes the general JSON.parse path, so the scanner never
 * has to be a complete JSON parser; what it accepts, JSON.parse would accept the same way, with
 * two exceptions that only input not written by pino (the CLI's stdin) can meet, and that lose
 * nothing: the inside of a nested object or array is matched by its brackets and strings, not
 * checked (`{"a":{x}}` ships `a` as `{x}`), and a raw control character inside a string is kept
 * (JSON.parse refuses both, and the line would be shipped whole as `msg`). Checking them would
 * cost every line a second pass over its text.
 */
import { inheritsEnumerableKeys } from '@logship/producer'
import { parseJsonExact } from './json-exact.js'
import { numberEnd, stringEnd } from './json-text.js'
import { parseTime, type ParsedTime } from './time.js'
import type { MappedRecord, MappingSettings, Pairs } from './mapping.js'

const QUOTE = 0x22
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39

/**
 * Reads the line `text.slice(start, end)` (by default the whole text) without making that slice:
 * the transport hands whole chunks with the ranges of their lines, and the scanner reads the flat
 * chunk directly, since reading a slice costs an indirection per character. `fresh` is false only
 * when `text` is the string of the previous call, at a later range (the next backslash found then
 * is still valid).
 */
export type LineScanner = (text: string, start?: number, end?: number, fresh?: boolean) => MappedRecord | undefined

export interface ScannerOptions {
  /**
   * Reuse one record, one contents array and its pair arrays from line to line: the result is
   * valid until the next call. For a caller that hands it on synchronously (producer.send encodes
   * the pairs before it returns); the default hands out fresh objects.
   */
  reuse?: boolean
}

// What a key is to the mapping (bits: a key may be more than one of them).
const PLAIN = 0
const LEVEL = 1
const TIME = 2
const ERROR = 4
// Below 2^53 a run of this many digits is read exactly by accumulating.
const MAX_EXACT_DIGITS = 15
// V8 makes slices of at least this many characters views of their parent (the whole chunk).
const SLICE_MIN_LENGTH = 13

type Pair = [string, unknown]

export function createScanner (settings: MappingSettings, { reuse = false }: ScannerOptions = {}): LineScanner {
  const { levelKey, timeKey, errorKey, labels } = settings
  const flatten = settings.nested === 'flatten'
  const errorPrefix = errorKey + '.'

  // The keys of the last line that was not a repeat of the one before, in order, with their roles.
  // pino writes the same keys in the same order for every call from one place (level, time, pid,
  // hostname, bindings, the call's fields, msg), so the next line's key at position k is most
  // likely shape[k]: the key found there is then the shape's string (not a new slice held by
  // the record), and while every key matched, the line's keys are distinct without looking for
  // repeats (the shape's are), which pino's own output has only when a field repeats a binding.
  let shape: string[] = []
  let roles: number[] = []
  const lineKeys: string[] = []
  const lineRoles: number[] = []

  // Reused results (reuse: true).
  const pool: Pair[] = []
  const shared: Pairs = []
  const record: MappedRecord = { time: undefined, contents: shared }
  // Position of the next backslash at or after the last place searched in the current text, or
  // -1 for none up to its end; kept from line to line of one text, so a chunk is searched once.
  let nextBackslash = -1

  return function scan (line: string, start = 0, n = line.length, fresh = true): MappedRecord | undefined {
    // Strings before the next backslash need no unescaping; one after the line means none in it.
    // (Before any early return: a fresh text must never see the previous text's position.)
    if (fresh || (nextBackslash !== -1 && nextBackslash < start)) nextBackslash = line.indexOf('\\', start)
    if (line.charCodeAt(start) !== OPEN_BRACE) return undefined
    const contents: Pairs = reuse ? shared : []
    let count = 0
    let time: ParsedTime | undefined
    let backslash = nextBackslash
    let i = start + 1
    if (line.charCodeAt(i) === CLOSE_BRACE) return n === i + 1 ? result(contents, 0, time) : undefined
    const shapeLength = shape.length
    // True while contents holds only keys matched from the shape at their own positions.
    let distinct = true
    // Where the error's expanded keys are in contents: a later key of the line that reads the same
    // (`err.message` logged as a field) is another field, as on the JSON.parse path, not a repeat.
    let errStart = 0
    let errEnd = 0
    // The line's keys differ from the shape: remember them (unless one repeats) as the next shape.
    let changed = false
    let repeated = false
    // Roles met so far. A second time key is an ordinary field: pino writes its own time first, and
    // a field the application logs under that name (`{ time: 250 }`, a duration) must neither
    // replace it nor be lost. A second error key is left to JSON.parse (the last one wins there).
    let seen = 0
    let k = 0

    for (;;) {
      // Key: a plain string.
      if (line.charCodeAt(i) !== QUOTE) return undefined
      let key: string
      let role: number
      const expected = k < shapeLength ? shape[k] : undefined
      if (expected !== undefined && matches(line, i + 1, n, expected)) {
        // Shape keys never hold a backslash (such keys are declined), so neither does this one.
        key = expected
        role = roles[k]
        i += expected.length + 2
      } else {
        const keyEnd = line.indexOf('"', i + 1)
        if (keyEnd === -1 || keyEnd >= n) return undefined
        if (backslash !== -1 && backslash < keyEnd) return undefined
        key = line.slice(i + 1, keyEnd)
        role = (key === levelKey ? LEVEL : PLAIN) | (key === timeKey ? TIME : PLAIN) | (key === errorKey ? ERROR : PLAIN)
        i = keyEnd + 1
        distinct = false
        changed = true
      }
      if ((role & seen & ERROR) !== 0) return undefined
      lineKeys[k] = key
      lineRoles[k] = role
      k++
      if ((role & seen & TIME) !== 0) role &= ~TIME
      seen |= role
      if (line.charCodeAt(i) !== COLON) return undefined
      i++

      const c = line.charCodeAt(i)
      let value: unknown
      if (c === QUOTE) {
        const close = line.indexOf('"', i + 1)
        if (close === -1 || close >= n) return undefined
        if (backslash === -1 || backslash > close) {
          value = line.slice(i + 1, close)
          i = close + 1
        } else {
          const end = stringEnd(line, i + 1, n)
          if (end === -1) return undefined
          value = JSON.parse(line.slice(i, end + 1)) as string
          i = end + 1
          backslash = nextBackslash = line.indexOf('\\', i)
        }
      } else if ((c >= ZERO && c <= NINE) || c === MINUS) {
        // What JSON.parse would refuse (`030`, `1.`, `1-2`) goes to it, and is refused there.
        const end = numberEnd(line, i, n)
        if (end === -1) return undefined
        if ((role & (LEVEL | TIME)) !== 0) {
          // The level and the time become numbers: read plain digits without making a string.
          let num = 0
          let j = i
          for (; j < end; j++) {
            const d = line.charCodeAt(j)
            if (d < ZERO || d > NINE) break
            num = num * 10 + (d - ZERO)
          }
          if (j < end) {
            value = Number(line.slice(i, end))
          } else if (j - i > MAX_EXACT_DIGITS) {
            // A time in ns or µs has more digits than a double holds: parseTime reads the text
            // exactly (as a bigint). A level that long is no label anyway.
            value = (role & TIME) !== 0 ? line.slice(i, end) : Number(line.slice(i, end))
          } else {
            value = num
          }
        } else {
          value = line.slice(i, end)
        }
        i = end
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        const end = nestedEnd(line, i, n)
        if (end === -1) return undefined
        const text = line.slice(i, end + 1)
        if (backslash !== -1 && backslash <= end) backslash = nextBackslash = line.indexOf('\\', end + 1)
        i = end + 1
        if ((role & ERROR) !== 0 && c === OPEN_BRACE) {
          const err = parseJsonExact(text) as Record<string, unknown>
          // Own keys only (see mapping.ts): a polluted Object.prototype's keys are not the error's.
          const inherited = inheritsEnumerableKeys(err)
          errStart = count
          for (const name in err) if (!inherited || Object.hasOwn(err, name)) count = put(contents, count, errorPrefix + name, err[name])
          errEnd = count
          // The expanded keys were not checked against later ones.
          distinct = false
          value = undefined
        } else {
          value = flatten ? parseJsonExact(text) : text
        }
      } else if (c === 0x74 && i + 4 < n && line.startsWith('true', i)) {
        value = 'true'
        i += 4
      } else if (c === 0x66 && i + 5 < n && line.startsWith('false', i)) {
        value = 'false'
        i += 5
      } else if (c === 0x6e && i + 4 < n && line.startsWith('null', i)) {
        value = 'null'
        i += 4
      } else {
        return undefined
      }

      if ((role & LEVEL) !== 0) {
        if (typeof value === 'number') value = labels[value] ?? String(value)
      } else if ((role & TIME) !== 0) {
        time = parseTime(value)
        if (time !== undefined) value = undefined
      }
      if (value !== undefined) {
        if (distinct) {
          count = put(contents, count, key, value)
        } else {
          // pino may write a key twice (a binding and a log field); like JSON.parse, keep the
          // first position and the last value.
          const at = indexOfKey(contents, count, key, errStart, errEnd)
          if (at === -1) {
            count = put(contents, count, key, value)
          } else {
            contents[at][1] = value
            repeated = true
          }
        }
      }

      const sep = line.charCodeAt(i)
      if (sep === COMMA) {
        i++
        continue
      }
      if (sep === CLOSE_BRACE && i === n - 1) break
      return undefined
    }
    if (changed && !repeated) keepShape(k)
    return result(contents, count, time)
  }

  function put (contents: Pairs, count: number, key: string, value: unknown): number {
    if (!reuse) {
      contents.push([key, value])
      return count + 1
    }
    let pair = pool[count]
    if (pair === undefined) {
      pair = [key, value]
      pool.push(pair)
    } else {
      pair[0] = key
      pair[1] = value
    }
    contents[count] = pair
    return count + 1
  }

  function result (contents: Pairs, count: number, time: ParsedTime | undefined): MappedRecord {
    if (!reuse) return { time, contents }
    if (contents.length !== count) contents.length = count
    record.time = time
    return record
  }

  function keepShape (length: number): void {
    const keys = new Array<string>(length)
    for (let k = 0; k < length; k++) {
      const key = lineKeys[k]
      // A long slice would keep the whole chunk it came from alive: keep a copy instead.
      keys[k] = key.length >= SLICE_MIN_LENGTH ? JSON.parse(JSON.stringify(key)) as string : key
    }
    shape = keys
    roles = lineRoles.slice(0, length)
  }
}

/**
 * True when `key` is at `at` in `line`, closed by a quote. One substring and one comparison
 * measured faster than startsWith with a position or a charCodeAt loop (V8, Node 20).
 */
function matches (line: string, at: number, end: number, key: string): boolean {
  const length = key.length
  if (at + length >= end || line.charCodeAt(at + length) !== QUOTE) return false
  return line.substring(at, at + length) === key
}

/** Position of `key` in contents, outside the positions [skipStart, skipEnd); -1 when none. */
function indexOfKey (contents: Pairs, count: number, key: string, skipStart: number, skipEnd: number): number {
  for (let k = 0; k < count; k++) if (contents[k][0] === key && (k < skipStart || k >= skipEnd)) return k
  return -1
}

/** Index of the bracket closing the object or array opening at `start`, or -1 (none before `end`). */
function nestedEnd (line: string, start: number, end: number): number {
  let depth = 0
  for (let j = start; j < end; j++) {
    const c = line.charCodeAt(j)
    if (c === QUOTE) {
      j = stringEnd(line, j + 1, end)
      if (j === -1) return -1
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return j
    }
  }
  return -1
}
