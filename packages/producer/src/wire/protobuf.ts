/**
 * Hand-assembled LogGroup protobuf for both services, written straight into a reusable scratch
 * buffer: no per-record objects, no reflection.
 *
 * Layouts (field numbers, in the ascending order the Go marshalers write them):
 * - TLS (proto3, gogo): Log{ int64 Time=1 (ms), LogContent Contents=2, fixed32 TimeNs=3 (ns below the ms) };
 *   LogContent and LogTag omit empty strings; LogGroup{ Logs=1, Source=2, LogTags=3, FileName=4 }
 *   with empty strings omitted; the body is LogGroupList{ LogGroups=1 }.
 * - SLS (proto2, Go): Log{ uint32 Time=1 (s), Contents=2, fixed32 TimeNs=4 (ns within the second) };
 *   Key and Value always written; LogGroup{ Logs=1, Topic=3, Source=4, LogTags=6 } with Topic and
 *   Source always written (`1a 00` when empty); the body is the LogGroup itself.
 * TimeNs is written only when non-zero.
 *
 * Strings are UTF-8 via Buffer.write, so a lone surrogate becomes U+FFFD (EF BF BD), as with TextEncoder.
 */
import { contentToString, inheritsEnumerableKeys, mapContents } from '../contents.js'
import type { ContentsInput } from '../types.js'
import type { TimeParts } from '../transport.js'

export type Flavor = 'tls' | 'sls'

const TAG_LOGS = 0x0a // field 1, length-delimited: a Log inside a LogGroup, or a LogGroup inside a LogGroupList
const TAG_TIME = 0x08 // field 1, varint
const TAG_CONTENT = 0x12 // field 2, length-delimited
const TAG_KEY = 0x0a
const TAG_VALUE = 0x12
const TAG_TLS_TIME_NS = 0x1d // field 3, fixed32
const TAG_SLS_TIME_NS = 0x25 // field 4, fixed32

/** Room before the Log body for its entry tag and length, written right-aligned once the length is known. */
const HEAD = 6
/** Strings this short are copied by a JS loop: cheaper than crossing into C++ for Buffer.write. */
const SHORT_STRING = 32
/** Key plus value characters of a pair whose LogContent length (2 + key + 2 + value) fits one varint byte. */
const SMALL_PAIR_CHARS = 123

/**
 * Buffer#utf8Write is what Buffer#write calls after argument juggling; calling it directly saves
 * a third of the per-string cost, which dominates encoding. Falls back to write() if absent.
 */
export type Utf8Write = (this: Buffer, text: string, offset: number) => number
const proto = Buffer.prototype as unknown as { utf8Write?: Utf8Write }
export const utf8Write: Utf8Write = typeof proto.utf8Write === 'function'
  ? proto.utf8Write
  : function (this: Buffer, text: string, offset: number) { return this.write(text, offset) }

export function varintSize (n: number): number {
  if (n < 0x80) return 1
  if (n < 0x4000) return 2
  if (n < 0x200000) return 3
  if (n < 0x10000000) return 4
  let size = 5
  for (let v = Math.floor(n / 0x800000000); v > 0; v = Math.floor(v / 0x80)) size++
  return size
}

/** Writes a non-negative integer (up to 2^53) as a varint; returns the position after it. */
export function writeVarint (buf: Uint8Array, pos: number, n: number): number {
  if (n > 0x7fffffff) return writeLargeVarint(buf, pos, n)
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  buf[pos++] = n
  return pos
}

/**
 * writeVarint above 2^31 (a TLS time in ms is ~2^40), in 32-bit integer operations: the first four
 * groups of 7 bits come from the low 32 bits, the rest from the bits above 28. (Division and
 * remainder on doubles made the time field a tenth of the encoder's cost.)
 */
function writeLargeVarint (buf: Uint8Array, pos: number, n: number): number {
  const low = n >>> 0
  let rest = (low >>> 28) + ((n - low) / 0x100000000) * 16
  buf[pos] = (low & 0x7f) | 0x80
  buf[pos + 1] = ((low >>> 7) & 0x7f) | 0x80
  buf[pos + 2] = ((low >>> 14) & 0x7f) | 0x80
  buf[pos + 3] = ((low >>> 21) & 0x7f) | 0x80
  pos += 4
  // rest < 2^25 for n < 2^53, so 32-bit shifts are exact.
  while (rest >= 0x80) {
    buf[pos++] = (rest & 0x7f) | 0x80
    rest >>>= 7
  }
  buf[pos++] = rest
  return pos
}

function writeVarint64 (buf: Uint8Array, pos: number, n: number): number {
  if (n >= 0) return writeVarint(buf, pos, n)
  // Negative int64 (a time before 1970): two's complement, always 10 bytes.
  let v = BigInt.asUintN(64, BigInt(n))
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80
    v >>= 7n
  }
  buf[pos++] = Number(v)
  return pos
}

function writeFixed32 (buf: Uint8Array, pos: number, n: number): number {
  buf[pos] = n & 0xff
  buf[pos + 1] = (n >>> 8) & 0xff
  buf[pos + 2] = (n >>> 16) & 0xff
  buf[pos + 3] = (n >>> 24) & 0xff
  return pos + 4
}

/** Time fields of a Log: [value, nanoseconds] in the flavour's units. */
function timeFields (flavor: Flavor, time: TimeParts): [number, number] {
  if (flavor === 'tls') return [time.ms, time.subMsNs]
  const ms = time.ms
  if (ms <= 0) return [0, ms === 0 ? time.subMsNs : 0]
  const seconds = Math.floor(ms / 1000)
  if (seconds > 0xffffffff) return [0xffffffff, 0]
  return [seconds, (ms - seconds * 1000) * 1_000_000 + time.subMsNs]
}

function timeFieldsSize (flavor: Flavor, seconds: number, ns: number): number {
  let size = ns !== 0 ? 5 : 0
  if (flavor === 'sls') size += 1 + varintSize(seconds)
  else if (seconds > 0) size += 1 + varintSize(seconds)
  else if (seconds < 0) size += 11
  return size
}

const MARKER_PREFIX = '…[truncated '
const MARKER_SUFFIX = ' bytes]'
const MARKER_FIXED_BYTES = Buffer.byteLength(MARKER_PREFIX + MARKER_SUFFIX)
/** SLS refuses a whole request (InvalidKey) for one empty key, so an empty key is sent as this. */
export const SLS_EMPTY_KEY = '_empty_key'

/** Encodes Logs as LogGroup field-1 entries into one scratch buffer, reused call after call. */
export class LogEncoder {
  readonly flavor: Flavor
  readonly maxLogBytes: number
  /** Values cut to fit maxLogBytes so far. */
  truncated = 0
  private buf: Buffer
  private readonly tls: boolean
  /** A log is being written: user code it runs (a getter, toJSON) may send() through the same producer. */
  private busy = false
  /** Writes the logs such user code sends, so that they do not overwrite the one in progress. */
  private nested: LogEncoder | undefined

  constructor (flavor: Flavor, maxLogBytes: number, initialBytes = 4096) {
    this.flavor = flavor
    this.tls = flavor === 'tls'
    this.maxLogBytes = maxLogBytes
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  /**
   * One Log as `0a <len> <Log>`. The view is valid until the next call. The whole entry is kept
   * within maxLogBytes by truncating the largest values (see truncate()).
   */
  encode (time: TimeParts, contents: ContentsInput): Uint8Array {
    // Writing a log runs user code (getters, toJSON). When that code sends a log through the same
    // producer, the nested log goes to a second encoder: written here, from HEAD, it overwrote the
    // bytes of the log in progress, and the service refused the whole batch as malformed.
    if (this.busy) return this.encodeNested(time, contents)
    this.busy = true
    try {
      return this.encodeOwn(time, contents)
    } finally {
      this.busy = false
    }
  }

  private encodeOwn (time: TimeParts, contents: ContentsInput): Uint8Array {
    // Read before any user code runs: the engine passes one TimeParts object, which a nested send() refills.
    const ms = time.ms
    const subMsNs = time.subMsNs
    let end: number
    try {
      end = this.encodeFast(time, contents)
    } catch {
      // A throwing getter or Proxy trap: the slow path reads every property defensively.
      end = -1
    }
    if (end >= 0) return this.finish(end)
    return this.encodeTruncated({ ms, subMsNs }, contents)
  }

  private encodeNested (time: TimeParts, contents: ContentsInput): Uint8Array {
    const nested = this.nested ??= new LogEncoder(this.flavor, this.maxLogBytes)
    const before = nested.truncated
    try {
      return nested.encode(time, contents)
    } finally {
      this.truncated += nested.truncated - before
    }
  }

  /** Returns the end position, or -1 when the entry may exceed maxLogBytes. */
  private encodeFast (time: TimeParts, contents: ContentsInput): number {
    let t: number
    let ns: number
    if (this.tls) {
      t = time.ms
      ns = time.subMsNs
    } else {
      const parts = timeFields('sls', time)
      t = parts[0]
      ns = parts[1]
    }
    this.ensure(HEAD + 16)
    let pos = HEAD
    if (!this.tls || t > 0) {
      this.buf[pos++] = TAG_TIME
      pos = writeVarint(this.buf, pos, t)
    } else if (t < 0) {
      this.buf[pos++] = TAG_TIME
      pos = writeVarint64(this.buf, pos, t)
    }
    // Chars are a lower bound of UTF-8 bytes, so `budget` going negative proves the log is too big.
    let budget = this.maxLogBytes - HEAD - 5
    if (Array.isArray(contents)) {
      const pairs = contents as ReadonlyArray<readonly [string, unknown]>
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i]
        const v = pair[1]
        const s = typeof v === 'string' ? v : contentToString(v)
        if (s === undefined) continue
        const k = typeof pair[0] === 'string' ? pair[0] : String(pair[0])
        budget -= k.length + s.length
        if (budget < 0) return -1
        pos = this.writeSmallPair(pos, k, s)
      }
    } else {
      const record = contents as Record<string, unknown>
      // for…in also visits inherited enumerable keys (a polluted Object.prototype, an enumerable
      // member on a class's prototype), which the slow path's Object.keys leaves out: such records
      // take the slow path. One check per record, not per key: in instructions per record, Object.hasOwn
      // on each key added ~9 % to the encoder and Object.keys ~11 %, this check 1–1.5 %.
      if (inheritsEnumerableKeys(record)) return -1
      for (const k in record) {
        const v = record[k]
        const s = typeof v === 'string' ? v : contentToString(v)
        if (s === undefined) continue
        budget -= k.length + s.length
        if (budget < 0) return -1
        pos = this.writeSmallPair(pos, k, s)
      }
    }
    if (ns !== 0) {
      this.ensure(pos + 5)
      this.buf[pos] = this.tls ? TAG_TLS_TIME_NS : TAG_SLS_TIME_NS
      pos = writeFixed32(this.buf, pos + 1, ns)
    }
    const bodyLen = pos - HEAD
    if (1 + varintSize(bodyLen) + bodyLen > this.maxLogBytes) return -1
    return pos
  }

  private finish (end: number): Uint8Array {
    const bodyLen = end - HEAD
    const start = HEAD - 1 - varintSize(bodyLen)
    this.buf[start] = TAG_LOGS
    writeVarint(this.buf, start + 1, bodyLen)
    // A plain Uint8Array view: Buffer#subarray goes through the FastBuffer species constructor
    // (FastBuffer + subarray were ~3 % of the producer's busy main thread in a profile).
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, end - start)
  }

  private ensure (bytes: number): void {
    if (bytes <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(bytes, this.buf.length * 2))
    this.buf.copy(next, 0, 0, this.buf.length)
    this.buf = next
  }

  /**
   * writePair for the common pair: a non-empty ASCII key and value of at most 123 characters
   * together, so every length is one byte, known before writing, and nothing needs to move. Any
   * other pair, or a non-ASCII character found while writing, goes to writePair, which writes the
   * pair again from `pos`. (About a fifth cheaper per standard record than writePair alone.)
   */
  private writeSmallPair (pos: number, k: string, v: string): number {
    const kl = k.length
    const vl = v.length
    if (kl === 0 || vl === 0 || kl + vl > SMALL_PAIR_CHARS) return this.writePair(pos, k, v)
    // Room for the general path too: 3 bytes per UTF-16 unit, plus tags and lengths.
    this.ensure(pos + 3 * (kl + vl) + 24)
    const buf = this.buf
    buf[pos] = TAG_CONTENT
    buf[pos + 1] = kl + vl + 4
    buf[pos + 2] = TAG_KEY
    buf[pos + 3] = kl
    let q = pos + 4
    for (let i = 0; i < kl; i++) {
      const c = k.charCodeAt(i)
      if (c >= 0x80) return this.writePair(pos, k, v)
      buf[q++] = c
    }
    buf[q] = TAG_VALUE
    buf[q + 1] = vl
    q += 2
    if (vl < SHORT_STRING) {
      for (let i = 0; i < vl; i++) {
        const c = v.charCodeAt(i)
        if (c >= 0x80) return this.writePair(pos, k, v)
        buf[q++] = c
      }
      return q
    }
    // UTF-8 takes exactly one byte per UTF-16 unit only when every unit is ASCII.
    if (utf8Write.call(buf, v, q) !== vl) return this.writePair(pos, k, v)
    return q + vl
  }

  /** LogContent: `12 <len> [0a <klen> key] [12 <vlen> value]`. */
  private writePair (pos: number, k: string, v: string): number {
    if (k.length === 0 && !this.tls) k = SLS_EMPTY_KEY
    // Worst case: 3 bytes per UTF-16 unit, plus tags and varints.
    this.ensure(pos + 3 * (k.length + v.length) + 24)
    const buf = this.buf
    buf[pos] = TAG_CONTENT
    // Exact for ASCII; for other text the length prefix may need to grow, moving the pair right.
    const guess = this.fieldSize(k.length) + this.fieldSize(v.length)
    const reserved = varintSize(guess)
    const start = pos + 1 + reserved
    let p = start
    if (k.length > 0 || !this.tls) p = this.writeString(p, TAG_KEY, k)
    if (v.length > 0 || !this.tls) p = this.writeString(p, TAG_VALUE, v)
    const len = p - start
    const actual = varintSize(len)
    if (actual !== reserved) {
      buf.copyWithin(pos + 1 + actual, start, p)
      p += actual - reserved
    }
    writeVarint(buf, pos + 1, len)
    return p
  }

  private fieldSize (chars: number): number {
    if (chars === 0) return this.tls ? 0 : 2
    return 1 + varintSize(chars) + chars
  }

  private writeString (p: number, tag: number, s: string): number {
    const buf = this.buf
    buf[p] = tag
    const n0 = s.length
    if (n0 < SHORT_STRING) {
      // One length byte suffices: even 3 bytes per unit stays below 0x80.
      let q = p + 2
      for (let i = 0; i < n0; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) {
          q += utf8Write.call(buf, s.slice(i), q)
          break
        }
        buf[q++] = c
      }
      buf[p + 1] = q - p - 2
      return q
    }
    const reserved = varintSize(n0)
    const dataStart = p + 1 + reserved
    const n = utf8Write.call(buf, s, dataStart)
    const actual = varintSize(n)
    if (actual !== reserved) buf.copyWithin(p + 1 + actual, dataStart, dataStart + n)
    writeVarint(buf, p + 1, n)
    return p + 1 + actual + n
  }

  /** The slow path for oversized logs: materialize the strings, cut the largest values, encode. */
  private encodeTruncated (time: TimeParts, contents: ContentsInput): Uint8Array {
    const pairs = mapContents(contents)
    const keys = pairs.map((pair) => Buffer.from(pair[0] === '' && !this.tls ? SLS_EMPTY_KEY : pair[0]))
    const values = pairs.map((pair) => Buffer.from(pair[1]))
    const [t, ns] = timeFields(this.flavor, time)
    const fixed = timeFieldsSize(this.flavor, t, ns)
    const entrySize = (): number => {
      let body = fixed
      for (let i = 0; i < keys.length; i++) body += this.pairSize(keys[i].length, values[i].length)
      return 1 + varintSize(body) + body
    }
    let excess = entrySize() - this.maxLogBytes
    excess = this.cutLargest(values, excess, entrySize)
    if (excess > 0) excess = this.cutLargest(keys, excess, entrySize)
    while (excess > 0 && keys.length > 0) {
      // Pathological: a huge number of small pairs. Drop pairs from the end, each counted.
      keys.pop()
      values.pop()
      this.truncated++
      excess = entrySize() - this.maxLogBytes
    }
    return this.encodeBytes(t, ns, keys, values)
  }

  private pairSize (kb: number, vb: number): number {
    const inner = this.byteFieldSize(kb) + this.byteFieldSize(vb)
    return 1 + varintSize(inner) + inner
  }

  private byteFieldSize (bytes: number): number {
    if (bytes === 0) return this.tls ? 0 : 2
    return 1 + varintSize(bytes) + bytes
  }

  /** Shortens the largest items first until the entry fits; returns the remaining excess. */
  private cutLargest (items: Buffer[], excess: number, entrySize: () => number): number {
    const order = items.map((_, i) => i).sort((a, b) => items[b].length - items[a].length)
    for (const i of order) {
      if (excess <= 0) break
      const cut = truncateUtf8(items[i], Math.max(0, items[i].length - excess))
      if (cut === undefined) continue
      items[i] = cut
      this.truncated++
      excess = entrySize() - this.maxLogBytes
    }
    return excess
  }

  private encodeBytes (t: number, ns: number, keys: Buffer[], values: Buffer[]): Uint8Array {
    let body = timeFieldsSize(this.flavor, t, ns)
    for (let i = 0; i < keys.length; i++) body += this.pairSize(keys[i].length, values[i].length)
    this.ensure(HEAD + body)
    const buf = this.buf
    let pos = HEAD
    if (!this.tls || t > 0) {
      buf[pos++] = TAG_TIME
      pos = writeVarint(buf, pos, t)
    } else if (t < 0) {
      buf[pos++] = TAG_TIME
      pos = writeVarint64(buf, pos, t)
    }
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]
      const v = values[i]
      buf[pos++] = TAG_CONTENT
      pos = writeVarint(buf, pos, this.byteFieldSize(k.length) + this.byteFieldSize(v.length))
      pos = this.writeBytesField(pos, TAG_KEY, k)
      pos = this.writeBytesField(pos, TAG_VALUE, v)
    }
    if (ns !== 0) {
      buf[pos] = this.tls ? TAG_TLS_TIME_NS : TAG_SLS_TIME_NS
      pos = writeFixed32(buf, pos + 1, ns)
    }
    return this.finish(pos)
  }

  private writeBytesField (pos: number, tag: number, bytes: Uint8Array): number {
    if (bytes.length === 0 && this.tls) return pos
    this.buf[pos++] = tag
    pos = writeVarint(this.buf, pos, bytes.length)
    this.buf.set(bytes, pos)
    return pos + bytes.length
  }
}


/**
 * `bytes` cut on a UTF-8 boundary plus `…[truncated N bytes]`, at most `maxBytes` long; when even
 * the bare marker would not make it shorter, undefined.
 */
export function truncateUtf8 (bytes: Buffer, maxBytes: number): Buffer | undefined {
  for (let digits = 1; digits <= 16; digits++) {
    let keep = Math.max(0, maxBytes - MARKER_FIXED_BYTES - digits)
    while (keep > 0 && (bytes[keep] & 0xc0) === 0x80) keep--
    const removed = bytes.length - keep
    if (String(removed).length > digits) continue
    const out = Buffer.concat([bytes.subarray(0, keep), Buffer.from(MARKER_PREFIX + removed + MARKER_SUFFIX)])
    return out.length < bytes.length ? out : undefined
  }
  return undefined
}

/** The LogGroup fields after the Logs, for one destination. */
export interface GroupFields {
  source: string
  /** TLS only. */
  filename?: string
  /** SLS only. */
  topic?: string
  tags: ReadonlyArray<readonly [string, string]>
}

export function encodeGroupTrailer (flavor: Flavor, fields: GroupFields): Buffer {
  const parts: Buffer[] = []
  const field = (tag: number, value: string, always: boolean): void => {
    if (value === '' && !always) return
    const bytes = Buffer.from(value)
    const head = Buffer.alloc(1 + varintSize(bytes.length))
    head[0] = tag
    writeVarint(head, 1, bytes.length)
    parts.push(head, bytes)
  }
  const tag = (tagByte: number, key: string, value: string): void => {
    const inner: Buffer[] = []
    const always = flavor === 'sls'
    for (const [t, s] of [[TAG_KEY, key], [TAG_VALUE, value]] as const) {
      if (s === '' && !always) continue
      const bytes = Buffer.from(s)
      const head = Buffer.alloc(1 + varintSize(bytes.length))
      head[0] = t
      writeVarint(head, 1, bytes.length)
      inner.push(head, bytes)
    }
    const body = Buffer.concat(inner)
    const head = Buffer.alloc(1 + varintSize(body.length))
    head[0] = tagByte
    writeVarint(head, 1, body.length)
    parts.push(head, body)
  }
  if (flavor === 'tls') {
    field(0x12, fields.source, false)
    for (const [k, v] of fields.tags) tag(0x1a, k, v)
    field(0x22, fields.filename ?? '', false)
  } else {
    field(0x1a, fields.topic ?? '', true)
    field(0x22, fields.source, true)
    for (const [k, v] of fields.tags) tag(0x32, k, v)
  }
  return Buffer.concat(parts)
}

/** Exact uncompressed request body size for `entriesBytes` of Log entries and a group trailer. */
export function bodySize (flavor: Flavor, entriesBytes: number, trailerBytes: number): number {
  const group = entriesBytes + trailerBytes
  return flavor === 'tls' ? 1 + varintSize(group) + group : group
}

/** The request body: TLS wraps the LogGroup in a LogGroupList, SLS sends the LogGroup itself. */
export function encodeBody (flavor: Flavor, entries: Uint8Array, trailer: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bodySize(flavor, entries.length, trailer.length))
  encodeBodyInto(flavor, entries, trailer, out)
  return out
}

/** encodeBody into `out` (at least bodySize() long); returns the body length. */
export function encodeBodyInto (flavor: Flavor, entries: Uint8Array, trailer: Uint8Array, out: Uint8Array): number {
  const group = entries.length + trailer.length
  const head = flavor === 'tls' ? 1 + varintSize(group) : 0
  if (flavor === 'tls') {
    out[0] = TAG_LOGS
    writeVarint(out, 1, group)
  }
  out.set(entries, head)
  out.set(trailer, head + entries.length)
  return head + group
}
