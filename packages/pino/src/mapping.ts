/**
 * One pino output line to one producer record. Every field is kept in the line's order; the
 * level becomes its label, the time key becomes the record time, the error object becomes
 * dotted keys. Lines as pino writes them take the scanner's fast path (line-scanner.ts); any
 * other JSON object takes JSON.parse, and its values go to the producer as parsed for the shared
 * rules to stringify (nested objects as compact JSON).
 */
import { inheritsEnumerableKeys, mapContents } from '@logship/producer'
import { parseJsonExact } from './json-exact.js'
import { createScanner, type LineScanner } from './line-scanner.js'
import { parseTime, type ParsedTime } from './time.js'

/** pino's default levels. */
export const PINO_LEVELS: Readonly<Record<string, number>> = Object.freeze({
  trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60
})

export interface MappingSettings {
  levelKey: string
  messageKey: string
  timeKey: string
  errorKey: string
  /** Level number → label, including custom levels. */
  labels: Readonly<Record<number, string>>
  nested: 'json' | 'flatten'
}

export type Pairs = Array<[string, unknown]>

export interface MappedRecord {
  /** Epoch ms (a fraction is sub-ms), or epoch ns as bigint; undefined means "now". */
  time: ParsedTime | undefined
  contents: Pairs
}

/**
 * One line to one record: `line`, or its part from `start` to `end` (a line inside a chunk, read
 * without slicing it out). `fresh: false` says `line` is the same string as in the previous call,
 * at a later range (the chunk being read); the default treats every call as a new string.
 */
export type LineMapper = (line: string, start?: number, end?: number, fresh?: boolean) => MappedRecord

const OPEN_BRACE = 0x7b

export interface MapperOptions {
  /** false maps every line through JSON.parse (the reference the scanner is tested against). */
  fastPath?: boolean
  /**
   * The scanner's results may be one record reused from line to line (valid until the next call):
   * for the transport, which hands each record to producer.send, which encodes it before returning.
   */
  reuse?: boolean
}

export function createMapper (settings: MappingSettings, { fastPath = true, reuse = false }: MapperOptions = {}): LineMapper {
  const { levelKey, messageKey, timeKey, errorKey, labels } = settings
  const flatten = settings.nested === 'flatten'
  const errorPrefix = errorKey + '.'
  const scan: LineScanner = fastPath ? createScanner(settings, { reuse }) : () => undefined

  function mapObject (obj: Record<string, unknown>): MappedRecord {
    const contents: Pairs = []
    let time: ParsedTime | undefined
    // Only own keys are sent, as by the encoder: for…in would also visit the keys of a polluted
    // Object.prototype, which JSON.parse's objects inherit from. One check per line, not per key.
    const inherited = inheritsEnumerableKeys(obj)
    for (const key in obj) {
      if (inherited && !Object.hasOwn(obj, key)) continue
      const value = obj[key]
      if (key === levelKey) {
        contents.push([key, typeof value === 'number' ? (labels[value] ?? String(value)) : value])
      } else if (key === timeKey) {
        time = parseTime(value)
        // A time we cannot read is kept as a field, so nothing is lost; "now" goes on the wire.
        if (time === undefined) contents.push([key, value])
      } else if (key === errorKey && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const err = value as Record<string, unknown>
        const inheritedByErr = inheritsEnumerableKeys(err)
        for (const k in err) if (!inheritedByErr || Object.hasOwn(err, k)) contents.push([errorPrefix + k, err[k]])
      } else {
        contents.push([key, value])
      }
    }
    return { time, contents: flatten ? mapContents(contents, { nested: 'flatten' }) : contents }
  }

  return function mapLine (chunk: string, start = 0, end = chunk.length, fresh = true): MappedRecord {
    let fast: MappedRecord | undefined
    try {
      fast = scan(chunk, start, end, fresh)
    } catch {
      // A nested value the scanner handed to JSON.parse was not JSON: the general path decides.
      fast = undefined
    }
    if (fast !== undefined) return flatten ? { time: fast.time, contents: mapContents(fast.contents, { nested: 'flatten' }) } : fast
    const line = start === 0 && end === chunk.length ? chunk : chunk.slice(start, end)
    let text = line
    if (text.charCodeAt(0) !== OPEN_BRACE) text = text.trim()
    if (text.charCodeAt(0) === OPEN_BRACE) {
      let obj: unknown
      try {
        obj = parseJsonExact(text)
      } catch {
        obj = undefined
      }
      if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) return mapObject(obj as Record<string, unknown>)
    }
    // Not a JSON object (a stray console.log, a pretty-printed line): shipped whole as the message.
    return { time: undefined, contents: [[messageKey, line]] }
  }
}

/** Label lookup from pino's `{ label: number }` level maps, later maps winning. */
export function levelLabels (...maps: Array<Readonly<Record<string, number>> | undefined>): Record<number, string> {
  const labels: Record<number, string> = {}
  for (const map of maps) {
    if (map === undefined) continue
    for (const label of Object.keys(map)) labels[map[label]] = label
  }
  return labels
}
