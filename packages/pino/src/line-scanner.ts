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
 * has to be a complete JSON parser; what it accepts, JSON.parse would accept the same way.
 */
import { parseTime, type ParsedTime } from './time.js'
import type { MappedRecord, MappingSettings, Pairs } from './mapping.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39

export type LineScanner = (line: string) => MappedRecord | undefined

export function createScanner (settings: MappingSettings): LineScanner {
  const { levelKey, timeKey, errorKey, labels } = settings
  const flatten = settings.nested === 'flatten'
  const errorPrefix = errorKey + '.'

  return function scan (line: string): MappedRecord | undefined {
    const n = line.length
    if (line.charCodeAt(0) !== OPEN_BRACE) return undefined
    const contents: Pairs = []
    let time: ParsedTime | undefined
    // Position of the next backslash at or after i (or -1): strings before it need no unescaping.
    let backslash = line.indexOf('\\')
    let i = 1
    if (line.charCodeAt(1) === CLOSE_BRACE) return n === 2 ? { time, contents } : undefined

    for (;;) {
      // Key: a plain string.
      if (line.charCodeAt(i) !== QUOTE) return undefined
      const keyEnd = line.indexOf('"', i + 1)
      if (keyEnd === -1) return undefined
      if (backslash !== -1 && backslash < keyEnd) return undefined
      const key = line.slice(i + 1, keyEnd)
      i = keyEnd + 1
      if (line.charCodeAt(i) !== COLON) return undefined
      i++

      const c = line.charCodeAt(i)
      let value: unknown
      if (c === QUOTE) {
        const close = line.indexOf('"', i + 1)
        if (close === -1) return undefined
        if (backslash === -1 || backslash > close) {
          value = line.slice(i + 1, close)
          i = close + 1
        } else {
          const end = stringEnd(line, i + 1)
          if (end === -1) return undefined
          value = JSON.parse(line.slice(i, end + 1)) as string
          i = end + 1
          backslash = line.indexOf('\\', i)
        }
      } else if ((c >= ZERO && c <= NINE) || c === MINUS) {
        let j = i + 1
        while (j < n && isNumberChar(line.charCodeAt(j))) j++
        const text = line.slice(i, j)
        i = j
        if (key === levelKey || key === timeKey) {
          const num = Number(text)
          if (Number.isNaN(num)) return undefined
          value = num
        } else {
          value = text
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        const end = nestedEnd(line, i)
        if (end === -1) return undefined
        const text = line.slice(i, end + 1)
        if (backslash !== -1 && backslash <= end) backslash = line.indexOf('\\', end + 1)
        i = end + 1
        if (key === errorKey && c === OPEN_BRACE) {
          const err = JSON.parse(text) as Record<string, unknown>
          for (const k in err) contents.push([errorPrefix + k, err[k]])
          value = undefined
        } else {
          value = flatten ? JSON.parse(text) : text
        }
      } else if (line.startsWith('true', i)) {
        value = 'true'
        i += 4
      } else if (line.startsWith('false', i)) {
        value = 'false'
        i += 5
      } else if (line.startsWith('null', i)) {
        value = 'null'
        i += 4
      } else {
        return undefined
      }

      if (key === levelKey) {
        value = typeof value === 'number' ? (labels[value] ?? String(value)) : value
      } else if (key === timeKey) {
        time = parseTime(value)
        if (time !== undefined) value = undefined
      }
      if (value !== undefined) add(contents, key, value)

      const sep = line.charCodeAt(i)
      if (sep === COMMA) {
        i++
        continue
      }
      if (sep === CLOSE_BRACE && i === n - 1) break
      return undefined
    }
    return { time, contents }
  }

  function add (contents: Pairs, key: string, value: unknown): void {
    // pino may write a key twice (a binding and a log field); like JSON.parse, keep the first
    // position and the last value.
    for (let k = 0; k < contents.length; k++) {
      const pair = contents[k]
      if (pair[0] === key) {
        pair[1] = value
        return
      }
    }
    contents.push([key, value])
  }
}

function isNumberChar (c: number): boolean {
  // digits . + - e E
  return (c >= ZERO && c <= NINE) || c === 0x2e || c === 0x2b || c === MINUS || c === 0x65 || c === 0x45
}

/** Index of the quote closing the string whose content starts at `from`, or -1. */
function stringEnd (line: string, from: number): number {
  for (let j = from; j < line.length; j++) {
    const c = line.charCodeAt(j)
    if (c === BACKSLASH) j++
    else if (c === QUOTE) return j
  }
  return -1
}

/** Index of the bracket closing the object or array opening at `start`, or -1. */
function nestedEnd (line: string, start: number): number {
  let depth = 0
  for (let j = start; j < line.length; j++) {
    const c = line.charCodeAt(j)
    if (c === QUOTE) {
      j = stringEnd(line, j + 1)
      if (j === -1) return -1
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return j
    }
  }
  return -1
}
