/**
 * Value-to-string rules shared by both adapters and the encoder. Nothing a user logs may throw out
 * of here: getters, toJSON and Proxy traps that throw become the UNSERIALIZABLE marker.
 *
 * Rules (documented in the README):
 * - string as is; number, boolean, bigint by String(); null → "null"
 * - undefined, functions and symbols are left out
 * - Date → ISO 8601; an invalid Date → "Invalid Date"
 * - Buffer, Uint8Array, ArrayBuffer, DataView → base64 of the bytes
 * - other typed arrays → JSON array of their numbers (BigInt64Array: of decimal strings)
 * - Error → JSON object text {name, message, stack, ...own enumerable props, cause?}
 * - Map → JSON object of its entries (keys by String()); Set → JSON array
 * - other objects and arrays → compact JSON (toJSON honoured), or dotted keys with nested: 'flatten'
 * - a reference to an ancestor → "[Circular]"
 */
import { InvalidRecordError } from './errors.js'
import type { ContentsInput } from './types.js'

export const CIRCULAR = '[Circular]'
export const UNSERIALIZABLE = '[Unserializable]'
export const INVALID_DATE = 'Invalid Date'

export interface MapContentsOptions {
  /** 'json' (default): nested objects become compact JSON; 'flatten': dotted keys (`a.b.0`). */
  nested?: 'json' | 'flatten'
}

/** The string sent for one value, or undefined when the value is left out. Never throws. */
export function contentToString (value: unknown): string | undefined {
  switch (typeof value) {
    case 'string': return value
    case 'number': case 'boolean': case 'bigint': return String(value)
    case 'object': return value === null ? 'null' : objectToString(value)
    default: return undefined
  }
}

function objectToString (value: object): string | undefined {
  try {
    if (value instanceof Date) return dateToString(value)
    const bytes = byteView(value)
    if (bytes !== undefined) return base64(bytes)
    const json = toJson(value, [])
    // A bare string from toJSON is sent without the JSON quotes, like any other string value.
    return json !== undefined && json.charCodeAt(0) === 0x22 ? JSON.parse(json) as string : json
  } catch {
    return UNSERIALIZABLE
  }
}

function dateToString (date: Date): string {
  const ms = date.getTime()
  return Number.isNaN(ms) ? INVALID_DATE : date.toISOString()
}

/** Byte-like values (sent as base64), or undefined for anything else. */
function byteView (value: object): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  return undefined
}

function base64 (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * Compact JSON that never throws and never recurses forever. `ancestors` holds the objects on the
 * current path, so a value repeated in siblings is serialized twice and only true cycles are cut.
 */
function toJson (value: unknown, ancestors: object[], key = ''): string | undefined {
  switch (typeof value) {
    case 'string': return JSON.stringify(value)
    case 'number': return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean': return value ? 'true' : 'false'
    case 'bigint': return `"${value}"`
    case 'object': break
    default: return undefined
  }
  if (value === null) return 'null'
  if (ancestors.includes(value)) return `"${CIRCULAR}"`
  ancestors.push(value)
  try {
    return objectToJson(value, ancestors, key)
  } catch {
    return `"${UNSERIALIZABLE}"`
  } finally {
    ancestors.pop()
  }
}

function objectToJson (value: object, ancestors: object[], key: string): string | undefined {
  if (value instanceof Date) return JSON.stringify(dateToString(value))
  const bytes = byteView(value)
  if (bytes !== undefined) return `"${base64(bytes)}"`
  if (ArrayBuffer.isView(value)) return typedArrayToJson(value)
  if (value instanceof Error) return errorToJson(value, ancestors)
  if (value instanceof Map) {
    const parts: string[] = []
    for (const [k, v] of value) pushMember(parts, String(k), v, ancestors)
    return `{${parts.join(',')}}`
  }
  if (value instanceof Set) return arrayToJson([...value], ancestors)
  if (Array.isArray(value)) return arrayToJson(value, ancestors)
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') {
    const replaced: unknown = toJSON.call(value, key)
    return replaced === value ? plainObjectToJson(value, ancestors) : toJson(replaced, ancestors, key)
  }
  return plainObjectToJson(value, ancestors)
}

function typedArrayToJson (view: ArrayBufferView): string {
  const items: string[] = []
  for (const item of view as unknown as Iterable<number | bigint>) {
    items.push(typeof item === 'bigint' ? `"${item}"` : Number.isFinite(item) ? String(item) : 'null')
  }
  return `[${items.join(',')}]`
}

function arrayToJson (items: readonly unknown[], ancestors: object[]): string {
  const parts = new Array<string>(items.length)
  for (let i = 0; i < items.length; i++) {
    let text: string | undefined
    try {
      text = toJson(items[i], ancestors, String(i))
    } catch {
      text = `"${UNSERIALIZABLE}"`
    }
    parts[i] = text ?? 'null'
  }
  return `[${parts.join(',')}]`
}

function plainObjectToJson (value: object, ancestors: object[]): string {
  const parts: string[] = []
  for (const k of Object.keys(value)) pushMember(parts, k, readProperty(value, k), ancestors)
  return `{${parts.join(',')}}`
}

function errorToJson (error: Error, ancestors: object[]): string {
  const parts: string[] = []
  // name, message and stack are not enumerable, so JSON.stringify would drop them.
  pushMember(parts, 'name', readProperty(error, 'name'), ancestors)
  pushMember(parts, 'message', readProperty(error, 'message'), ancestors)
  pushMember(parts, 'stack', readProperty(error, 'stack'), ancestors)
  for (const k of Object.keys(error)) {
    if (k !== 'name' && k !== 'message' && k !== 'stack') pushMember(parts, k, readProperty(error, k), ancestors)
  }
  if (Object.prototype.hasOwnProperty.call(error, 'cause') && !Object.prototype.propertyIsEnumerable.call(error, 'cause')) {
    pushMember(parts, 'cause', readProperty(error, 'cause'), ancestors)
  }
  return `{${parts.join(',')}}`
}

const THROWING_GETTER = Symbol('throwing getter')

function readProperty (value: object, key: string | number): unknown {
  try {
    return (value as Record<string | number, unknown>)[key]
  } catch {
    return THROWING_GETTER
  }
}

function pushMember (parts: string[], key: string, item: unknown, ancestors: object[]): void {
  const text = item === THROWING_GETTER ? `"${UNSERIALIZABLE}"` : toJson(item, ancestors, key)
  if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`)
}

/**
 * Whether a for…in over `o` would visit keys that are not its own: any enumerable key up its
 * prototype chain (a polluted Object.prototype, an enumerable member of a class's prototype).
 * Only own enumerable keys are sent, everywhere: the encoder and the adapters check this once per
 * record and keep their for…in fast path when it is false, else read own keys only. In instructions
 * per record the check adds 1–3 % (the encoder, winston's mapInfo and shape form), where Object.hasOwn
 * on every key or Object.keys instead of for…in added 9–51 %.
 */
export function inheritsEnumerableKeys (o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o)
  if (proto === null) return false
  // Walks the whole chain (Object.prototype included), and costs little when there is nothing to visit.
  for (const _ in proto as object) return true
  return false
}

/**
 * Maps a record's contents to key/value string pairs, in the input's order. Throws
 * InvalidRecordError only when `input` itself is not an object or array of pairs, or cannot be
 * read as one (see mapPairs).
 */
export function mapContents (input: ContentsInput, options?: MapContentsOptions): Array<[string, string]> {
  const flatten = options?.nested === 'flatten'
  const out: Array<[string, string]> = []
  let isPairs: boolean
  try {
    isPairs = Array.isArray(input)
  } catch {
    throw new InvalidRecordError('contents could not be read (a revoked Proxy?)')
  }
  if (isPairs) {
    mapPairs(out, input as readonly unknown[], flatten)
    return out
  }
  if (input === null || typeof input !== 'object') throw new InvalidRecordError('contents must be an object or an array of [key, value] pairs')
  let keys: string[]
  try {
    keys = Object.keys(input)
  } catch {
    throw new InvalidRecordError('contents could not be enumerated (a Proxy that throws?)')
  }
  for (const key of keys) addPair(out, key, readProperty(input, key), flatten)
  return out
}

/**
 * The pair form, read as the encoder's fast path reads it (length, then by index), and guarded
 * like the object form: a value whose read throws is UNSERIALIZABLE, as a throwing getter is. A
 * pair without a key cannot become a field, so a pair array or pair whose read throws (a getter or
 * Proxy trap), and a key that String() cannot convert (an object without a prototype, a toString
 * that throws), make the record invalid, like a pair that is not an array. The key itself is never
 * quoted in the error. Not the hot path: object contents are.
 */
function mapPairs (out: Array<[string, string]>, pairs: readonly unknown[], flatten: boolean): void {
  // Only a Proxy can answer anything but a number here.
  const length = readProperty(pairs, 'length')
  if (typeof length !== 'number') throw new InvalidRecordError('contents pairs could not be read (a Proxy that throws?)')
  for (let i = 0; i < length; i++) {
    const pair = readProperty(pairs, i)
    if (pair === THROWING_GETTER) throw new InvalidRecordError(`contents pair ${i} could not be read (a getter or Proxy that throws?)`)
    if (!isPair(pair, i)) throw new InvalidRecordError(`contents pairs must be [key, value] arrays (pair ${i} is not)`)
    const key = readProperty(pair, 0)
    addPair(out, typeof key === 'string' ? key : pairKey(key, i), readProperty(pair, 1), flatten)
  }
}

/** Array.isArray, which throws only for a revoked Proxy. */
function isPair (pair: unknown, index: number): pair is readonly unknown[] {
  try {
    return Array.isArray(pair)
  } catch {
    throw new InvalidRecordError(`contents pair ${index} could not be read (a revoked Proxy?)`)
  }
}

/** A key that is not a string, by String(), as the encoder's fast path converts it. */
function pairKey (key: unknown, index: number): string {
  if (key === THROWING_GETTER) throw new InvalidRecordError(`the key of contents pair ${index} could not be read (a getter or Proxy trap that throws?)`)
  try {
    return String(key)
  } catch {
    throw new InvalidRecordError(`the key of contents pair ${index} could not be converted to a string (a toString that throws, an object without a prototype?)`)
  }
}

function addPair (out: Array<[string, string]>, key: string, value: unknown, flatten: boolean): void {
  if (typeof value === 'string') {
    out.push([key, value])
    return
  }
  if (value === THROWING_GETTER) {
    out.push([key, UNSERIALIZABLE])
    return
  }
  if (flatten && isFlattenable(value)) {
    flattenInto(out, key, value, [])
    return
  }
  const text = contentToString(value)
  if (text !== undefined) out.push([key, text])
}

/** Plain objects and arrays are flattened; Dates, bytes, Errors, Maps, Sets keep their own rule. */
function isFlattenable (value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false
  try {
    if (Array.isArray(value)) return true
    const proto: unknown = Object.getPrototypeOf(value)
    return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  } catch {
    return false
  }
}

/**
 * Levels of nesting written as dotted keys; what is deeper goes as compact JSON under the deepest
 * dotted key. A bound on the recursion: a chain of objects thousands deep overflowed the stack
 * here (a RangeError that cost the whole record), while the JSON path already mapped it.
 */
export const MAX_FLATTEN_DEPTH = 32

function flattenInto (out: Array<[string, string]>, prefix: string, value: object, ancestors: object[]): void {
  if (ancestors.includes(value)) {
    out.push([prefix, CIRCULAR])
    return
  }
  if (ancestors.length >= MAX_FLATTEN_DEPTH) {
    const text = contentToString(value)
    if (text !== undefined) out.push([prefix, text])
    return
  }
  let keys: string[]
  try {
    keys = Object.keys(value)
  } catch {
    out.push([prefix, UNSERIALIZABLE])
    return
  }
  if (keys.length === 0) {
    out.push([prefix, Array.isArray(value) ? '[]' : '{}'])
    return
  }
  ancestors.push(value)
  for (const k of keys) {
    const item = readProperty(value, k)
    const path = `${prefix}.${k}`
    if (item === THROWING_GETTER) out.push([path, UNSERIALIZABLE])
    else if (isFlattenable(item)) flattenInto(out, path, item, ancestors)
    else {
      // Only ancestors count as circular: a value seen elsewhere in the tree is written again.
      const text = item !== null && typeof item === 'object' && ancestors.includes(item) ? CIRCULAR : contentToString(item)
      if (text !== undefined) out.push([path, text])
    }
  }
  ancestors.pop()
}
