/**
 * winston info object → logship record `{ time, contents }` with every value already a string.
 * Runs on the logging thread for every record, so it is kept lean: one pass over the info's own
 * keys, strings copied as they are, everything else through the shared value rules of
 * @logship/producer. Nothing a user logs may throw out of here.
 *
 * Rules:
 * - `level`: the true level from `Symbol.for('level')` (`info.level` may be colorized).
 * - `message`: as is when a string. An Error as the message (or the info being an Error itself,
 *   as with `logger.error(err)`) gives `message` = the error's message and the whole error
 *   (name, message, stack, own props, cause) as JSON under `error`.
 * - meta, `defaultMeta` and child-logger fields are plain keys of the info: each becomes a field.
 *   Only the info's own enumerable keys are fields, never inherited ones. A getter that throws
 *   gives `[Unserializable]` for its own field. With 'flatten', a dotted key that meets a key of
 *   the same name gets a suffix (`a.b_2`): the fields are one object here, and nothing is lost.
 * - `timestamp` (set by a format): an ISO/RFC 3339 string (sub-ms digits kept), a Date, or a number
 *   (epoch ms; below 1e11 taken as epoch seconds) becomes the record time and is not repeated as a
 *   field. A timestamp that cannot be parsed stays a field and the time of log() is used.
 * - splat arguments (`Symbol.for('splat')`) are not read: what winston and the formats merged
 *   into the info (winston the first meta object, `format.splat()` all of them) is there, and what
 *   a format removed (a redacted password, fields `format.metadata()` moved) stays removed, as in
 *   winston's own transports.
 * - winston's symbols (`level`, `message`, `splat`) are never fields.
 */
import { contentToString, inheritsEnumerableKeys, mapContents, parseDateText } from '@logship/producer'

export const LEVEL = Symbol.for('level')

export type NestedMode = 'json' | 'flatten'

export interface MappingOptions {
  nested: NestedMode
}

export type Contents = Record<string, string>

export interface MappedRecord {
  /** epoch ms (fractional ms allowed) or, when the timestamp had sub-ms digits, epoch ns. */
  time: number | bigint
  contents: Contents
}

/** What a value that cannot be read stands as (the producer's value rules use the same text). */
export const UNSERIALIZABLE = '[Unserializable]'
/** Numbers below this are epoch seconds (1e11 ms would be 1973). */
const SECONDS_BELOW = 1e11

export function mapInfo (info: Record<string | symbol, unknown>, now: number, options: MappingOptions): MappedRecord {
  const contents: Contents = {}
  const flatten = options.nested === 'flatten'
  let time: number | bigint = now

  const level = info[LEVEL] ?? info.level
  if (level !== undefined) contents.level = typeof level === 'string' ? level : String(level)

  const message = readProperty(info, 'message')
  let error: Error | undefined
  if (info instanceof Error) {
    // logger.error(err): winston passes the Error itself as the info.
    error = info
    contents.message = safeString(info, 'message')
  } else if (typeof message === 'string') contents.message = message
  else if (message instanceof Error) {
    error = message
    contents.message = safeString(message, 'message')
  } else if (message !== undefined) put(contents, 'message', message, flatten)
  // With 'flatten', an object's dotted keys may meet a key of the same name (`{ a: { b: 1 }, 'a.b': 2 }`):
  // the later value then gets a suffix, so neither is lost. Plain keys are unique on their own.
  const store = flatten ? setUnique : set

  // Only own keys are sent, as by the encoder: for…in would also visit inherited enumerable keys
  // (a polluted Object.prototype). Checked once per record (+2 % instructions per standard record),
  // and Object.hasOwn is paid only when something is inherited: on every key it cost +46 %, and
  // Object.keys instead of for…in +51 %.
  const inherited = inheritsEnumerableKeys(info)
  for (const key in info) {
    if (key === 'level' || key === 'message') continue
    if (inherited && !Object.hasOwn(info, key)) continue
    // A getter that throws costs its own field only, as one does inside a nested object.
    const value = readProperty(info, key)
    if (typeof value === 'string') {
      if (key === 'timestamp') {
        const parsed = parseTimestamp(value)
        if (parsed !== undefined) {
          time = parsed
          continue
        }
      }
      store(contents, key, value)
      continue
    }
    if (key === 'timestamp') {
      const parsed = parseTimestamp(value)
      if (parsed !== undefined) {
        time = parsed
        continue
      }
    }
    put(contents, key, value, flatten)
  }

  if (error !== undefined) putError(contents, error)

  return { time, contents }
}

/** The whole error under `error` (or `error_2`, … when that key is taken by something else). */
function putError (contents: Contents, error: Error): void {
  const text = contentToString(error)
  if (text === undefined) return
  let key = 'error'
  for (let n = 2; Object.hasOwn(contents, key); n++) {
    if (contents[key] === text) return
    key = `error_${n}`
  }
  contents[key] = text
}

function put (contents: Contents, key: string, value: unknown, flatten: boolean): void {
  if (flatten && value !== null && typeof value === 'object') {
    for (const [k, v] of mapContents({ [key]: value }, { nested: 'flatten' })) setUnique(contents, k, v)
    return
  }
  const text = contentToString(value)
  if (text !== undefined) (flatten ? setUnique : set)(contents, key, text)
}

/** A field under `key`, or, when that is taken, under `key_2`, `key_3`, … (as putError does). */
function setUnique (contents: Contents, key: string, text: string): void {
  let free = key
  for (let n = 2; Object.hasOwn(contents, free); n++) free = `${key}_${n}`
  set(contents, free, text)
}

/** A field; `__proto__` is an ordinary field name here (plain assignment would set the prototype). */
export function set (contents: Contents, key: string, text: string): void {
  if (key === '__proto__') Object.defineProperty(contents, key, { value: text, enumerable: true, writable: true, configurable: true })
  else contents[key] = text
}

/** The record time from a format's timestamp, or undefined when it is not a usable time. */
export function parseTimestamp (value: unknown): number | bigint | undefined {
  // Only unambiguous date forms (see parseDateText): Date.parse alone read 'DD-MM-YYYY' month first.
  if (typeof value === 'string') return parseDateText(value)
  if (typeof value === 'number') {
    if (!(value > 0) || value === Infinity) return undefined
    return value < SECONDS_BELOW ? value * 1000 : value
  }
  if (value instanceof Date) {
    const ms = value.getTime()
    return ms >= 0 ? ms : undefined
  }
  return undefined
}

function safeString (value: object, key: string): string {
  const text = contentToString(readProperty(value, key))
  return text ?? ''
}

/** A property's value, or the text a throwing getter (or Proxy trap) stands for. */
function readProperty (value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key]
  } catch {
    return UNSERIALIZABLE
  }
}
