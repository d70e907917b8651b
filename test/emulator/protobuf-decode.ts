// Hand-written strict protobuf reader for the two LogGroup dialects.
//   TLS (proto3): LogGroupList{1: LogGroup}, LogGroup{1 Logs, 2 Source, 3 LogTags, 4 FileName, 5 ContextFlow},
//                 Log{1 Time int64, 2 Contents, 3 TimeNs fixed32}
//   SLS (proto2): the body is ONE LogGroup{1 Logs, 2 Category, 3 Topic, 4 Source, 5 MachineUUID, 6 LogTags},
//                 Log{1 Time uint32 (required), 2 Contents, 4 TimeNs fixed32}; Key/Value required.
// Strict: wrong wire types, groups (wire types 3/4), truncation, overruns, varints longer than
// 10 bytes, uint32 overflow and (by default) unknown fields are refused. With `materialize: false`
// nothing is allocated per log: the reader validates and counts only (benchmark mode).
import { isUtf8 } from 'node:buffer'

export type DecodeFailure =
  | 'malformed' | 'missingRequired' | 'unknownField' | 'utf8' | 'logTooLarge' | 'tooManyLogs'
  | 'valueTooLarge' | 'keyTooLarge' | 'emptyKey' | 'timeNs' | 'timeRange'

export class DecodeError extends Error {
  readonly kind: DecodeFailure
  constructor (kind: DecodeFailure, message: string) {
    super(message)
    this.name = 'DecodeError'
    this.kind = kind
  }
}

export interface DecodeOptions {
  materialize: boolean
  rejectUnknownFields: boolean
  rejectEmptyKeys: boolean
  maxLogBytes?: number | null
  maxLogsPerGroup?: number | null
  maxKeyBytes?: number | null
  maxValueBytes?: number | null
  timeNsMax?: number | null
  /** Inclusive bounds for Log.Time (same unit as the field). */
  timeRange?: { min: number, max: number } | null
}

export type Pair = [string, string]

export interface DecodedLog {
  time: number
  /** Exact decimal Time when it is beyond Number.MAX_SAFE_INTEGER. */
  timeExact?: string
  timeNs?: number
  contents: Pair[]
}

export interface DecodedGroup {
  logs: DecodedLog[]
  tags: Pair[]
  source?: string
  filename?: string
  contextFlow?: string
  topic?: string
  category?: string
  machineUuid?: string
}

export interface DecodeResult {
  /** Empty when `materialize` is false. */
  groups: DecodedGroup[]
  groupCount: number
  logCount: number
}

type GroupStringField = 'source' | 'filename' | 'contextFlow' | 'topic' | 'category' | 'machineUuid'

interface Dialect {
  timeUint32: boolean
  timeRequired: boolean
  timeNsField: number
  pairsRequired: boolean
  tagsField: number
  groupStrings: Record<number, GroupStringField>
}

const TLS: Dialect = {
  timeUint32: false,
  timeRequired: false,
  timeNsField: 3,
  pairsRequired: false,
  tagsField: 3,
  groupStrings: { 2: 'source', 4: 'filename', 5: 'contextFlow' }
}

const SLS: Dialect = {
  timeUint32: true,
  timeRequired: true,
  timeNsField: 4,
  pairsRequired: true,
  tagsField: 6,
  groupStrings: { 2: 'category', 3: 'topic', 4: 'source', 5: 'machineUuid' }
}

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LEN = 2
const WIRE_FIXED32 = 5

function malformed (message: string): DecodeError {
  return new DecodeError('malformed', message)
}

class Reader {
  readonly buf: Buffer
  /** The same bytes, for reading four at a time. */
  readonly view: DataView
  pos: number
  end: number
  lo = 0
  hi = 0
  /** Wire type of the last tag(). */
  wire = 0
  constructor (buf: Buffer) {
    this.buf = buf
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
    this.pos = 0
    this.end = buf.length
  }

  /** Reads a varint into lo/hi (unsigned 32-bit halves). */
  varint (): void {
    let lo = 0
    let hi = 0
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw malformed('truncated varint')
      const b = this.buf[this.pos++]!
      if (i < 4) lo |= (b & 0x7f) << (7 * i)
      else if (i === 4) {
        lo |= (b & 0x0f) << 28
        hi = (b & 0x7f) >>> 4
      } else if (i < 9) hi |= (b & 0x7f) << (7 * i - 32)
      else {
        if (b > 1) throw malformed('varint overflows 64 bits')
        hi |= b << 31
      }
      if (b < 0x80) {
        this.lo = lo >>> 0
        this.hi = hi >>> 0
        return
      }
    }
    throw malformed('varint longer than 10 bytes')
  }

  // Error texts are put together only when thrown: `what` plus `part` (no string building per field).
  uint32 (what: string, part = ''): number {
    this.varint()
    if (this.hi !== 0) throw malformed(`${what}${part} does not fit in 32 bits`)
    return this.lo
  }

  /** Reads a field key: returns the field number and leaves its wire type in `wire`. */
  tag (): number {
    const key = this.uint32('field tag')
    const field = key >>> 3
    this.wire = key & 7
    if (field === 0) throw malformed('field number 0')
    return field
  }

  /** Narrows the reader to a nested message ending at `end`; returns the outer end for leave(). */
  enter (end: number): number {
    const outer = this.end
    this.end = end
    return outer
  }

  /** Back to the outer message: the nested one must have been read exactly to its end. */
  leave (outer: number): void {
    if (this.pos !== this.end) throw malformed('message overran its length')
    this.end = outer
  }

  /** Returns the end offset of a length-delimited payload starting at pos. */
  lenEnd (what: string): number {
    const len = this.uint32(what, ' length')
    const end = this.pos + len
    if (end > this.end) throw malformed(`${what} runs past the end of its message`)
    return end
  }

  fixed32 (what: string): number {
    if (this.pos + 4 > this.end) throw malformed(`truncated fixed32 ${what}`)
    const v = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return v
  }

  skip (wire: number, field: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); return
      case WIRE_FIXED64:
        if (this.pos + 8 > this.end) throw malformed(`truncated fixed64 field ${field}`)
        this.pos += 8
        return
      case WIRE_LEN: this.pos = this.lenEnd(`field ${field}`); return
      case WIRE_FIXED32:
        if (this.pos + 4 > this.end) throw malformed(`truncated fixed32 field ${field}`)
        this.pos += 4
        return
      default: throw malformed(`unsupported wire type ${wire} (field ${field})`)
    }
  }
}

function expectWire (wire: number, expected: number, what: string, part = ''): void {
  if (wire !== expected) throw malformed(`${what}${part} has wire type ${wire}, expected ${expected}`)
}

function unknown (r: Reader, o: DecodeOptions, field: number, wire: number, where: string): void {
  if (o.rejectUnknownFields) throw new DecodeError('unknownField', `unknown field ${field} (wire type ${wire}) in ${where}`)
  r.skip(wire, field)
}

/** Validates (and optionally decodes) a string payload ending at `end`. */
function readString (r: Reader, end: number, o: DecodeOptions, what: string, part = ''): string {
  const start = r.pos
  const buf = r.buf
  r.pos = end
  // ASCII is valid UTF-8: only from the first byte >= 0x80 on does the full check run (that byte
  // starts a sequence, since everything before it was a complete one-byte character).
  const view = r.view
  let i = start
  while (i + 4 <= end && (view.getUint32(i) & 0x80808080) === 0) i += 4
  while (i < end && buf[i]! < 0x80) i++
  if (i < end && !isUtf8(buf.subarray(i, end))) throw new DecodeError('utf8', `${what}${part} is not valid UTF-8`)
  return o.materialize ? buf.toString('utf8', start, end) : ''
}

/** LogContent or LogTag: {1 Key, 2 Value}. */
function readPair (r: Reader, d: Dialect, o: DecodeOptions, what: string, checkSizes: boolean): Pair | null {
  const end = r.end
  let key: string | undefined
  let value: string | undefined
  while (r.pos < end) {
    const field = r.tag()
    const wire = r.wire
    if (field === 1 || field === 2) {
      expectWire(wire, WIRE_LEN, what, field === 1 ? '.Key' : '.Value')
      const sEnd = r.lenEnd(what)
      const len = sEnd - r.pos
      if (field === 1) {
        if (checkSizes && o.maxKeyBytes != null && len > o.maxKeyBytes) throw new DecodeError('keyTooLarge', `${what} key of ${len} bytes exceeds ${o.maxKeyBytes}`)
        if (o.rejectEmptyKeys && len === 0) throw new DecodeError('emptyKey', `${what} has an empty key`)
        key = readString(r, sEnd, o, what, '.Key')
      } else {
        if (checkSizes && o.maxValueBytes != null && len > o.maxValueBytes) throw new DecodeError('valueTooLarge', `${what} value of ${len} bytes exceeds ${o.maxValueBytes}`)
        value = readString(r, sEnd, o, what, '.Value')
      }
    } else unknown(r, o, field, wire, what)
  }
  if (d.pairsRequired) {
    if (key === undefined) throw new DecodeError('missingRequired', `${what}.Key is required`)
    if (value === undefined) throw new DecodeError('missingRequired', `${what}.Value is required`)
  }
  if (key === undefined && o.rejectEmptyKeys) throw new DecodeError('emptyKey', `${what} has an empty key`)
  return o.materialize ? [key ?? '', value ?? ''] : null
}

function readLog (r: Reader, d: Dialect, o: DecodeOptions): DecodedLog | null {
  let hasTime = false
  let time = 0
  let timeExact: string | undefined
  let timeNs: number | undefined
  const contents: Pair[] | null = o.materialize ? [] : null
  while (r.pos < r.end) {
    const field = r.tag()
    const wire = r.wire
    if (field === 1) {
      expectWire(wire, WIRE_VARINT, 'Log.Time')
      r.varint()
      hasTime = true
      if (d.timeUint32) {
        if (r.hi !== 0) throw malformed('Log.Time does not fit in uint32')
        time = r.lo
      } else if (r.hi < 0x200000) {
        time = r.hi * 4294967296 + r.lo
        timeExact = undefined
      } else {
        const big = BigInt.asIntN(64, (BigInt(r.hi) << 32n) | BigInt(r.lo))
        time = Number(big)
        timeExact = Number.isSafeInteger(time) ? undefined : big.toString()
      }
    } else if (field === 2) {
      expectWire(wire, WIRE_LEN, 'Log.Contents')
      const end = r.lenEnd('Log.Contents')
      const outer = r.enter(end)
      const pair = readPair(r, d, o, 'LogContent', true)
      r.leave(outer)
      if (contents && pair) contents.push(pair)
    } else if (field === d.timeNsField) {
      expectWire(wire, WIRE_FIXED32, 'Log.TimeNs')
      timeNs = r.fixed32('Log.TimeNs')
      if (o.timeNsMax != null && timeNs > o.timeNsMax) throw new DecodeError('timeNs', `Log.TimeNs ${timeNs} exceeds ${o.timeNsMax}`)
    } else unknown(r, o, field, wire, 'Log')
  }
  if (d.timeRequired && !hasTime) throw new DecodeError('missingRequired', 'Log.Time is required')
  if (o.timeRange && (time < o.timeRange.min || time > o.timeRange.max)) {
    throw new DecodeError('timeRange', `post data time is out of range: Log.Time ${time} not in [${o.timeRange.min}, ${o.timeRange.max}]`)
  }
  if (!contents) return null
  const log: DecodedLog = { time, contents }
  if (timeExact !== undefined) log.timeExact = timeExact
  if (timeNs !== undefined) log.timeNs = timeNs
  return log
}

/** Reads LogGroup fields until r.end; returns the group (or null) and adds its log count. */
function readGroup (r: Reader, d: Dialect, o: DecodeOptions, counter: { logs: number }): DecodedGroup | null {
  const group: DecodedGroup | null = o.materialize ? { logs: [], tags: [] } : null
  let logs = 0
  while (r.pos < r.end) {
    const field = r.tag()
    const wire = r.wire
    if (field === 1) {
      expectWire(wire, WIRE_LEN, 'LogGroup.Logs')
      const end = r.lenEnd('Log')
      const size = end - r.pos
      if (o.maxLogBytes != null && size > o.maxLogBytes) throw new DecodeError('logTooLarge', `a log of ${size} bytes exceeds ${o.maxLogBytes}`)
      const outer = r.enter(end)
      const log = readLog(r, d, o)
      r.leave(outer)
      logs++
      if (o.maxLogsPerGroup != null && logs > o.maxLogsPerGroup) throw new DecodeError('tooManyLogs', `more than ${o.maxLogsPerGroup} logs in one LogGroup`)
      if (group && log) group.logs.push(log)
    } else if (field === d.tagsField) {
      expectWire(wire, WIRE_LEN, 'LogGroup.LogTags')
      const end = r.lenEnd('LogTag')
      const outer = r.enter(end)
      const tag = readPair(r, d, o, 'LogTag', false)
      r.leave(outer)
      if (group && tag) group.tags.push(tag)
    } else if (d.groupStrings[field] !== undefined) {
      const name = d.groupStrings[field]!
      expectWire(wire, WIRE_LEN, `LogGroup.${name}`)
      const end = r.lenEnd(`LogGroup.${name}`)
      const s = readString(r, end, o, `LogGroup.${name}`)
      if (group) group[name] = s
    } else unknown(r, o, field, wire, 'LogGroup')
  }
  counter.logs += logs
  return group
}

/** TLS body: a LogGroupList. */
export function decodeTlsLogGroupList (buf: Buffer, o: DecodeOptions): DecodeResult {
  const r = new Reader(buf)
  const groups: DecodedGroup[] = []
  const counter = { logs: 0 }
  let groupCount = 0
  while (r.pos < r.end) {
    const field = r.tag()
    const wire = r.wire
    if (field === 1) {
      expectWire(wire, WIRE_LEN, 'LogGroupList.LogGroups')
      const end = r.lenEnd('LogGroup')
      const outer = r.enter(end)
      const g = readGroup(r, TLS, o, counter)
      r.leave(outer)
      groupCount++
      if (g) groups.push(g)
    } else unknown(r, o, field, wire, 'LogGroupList')
  }
  return { groups, groupCount, logCount: counter.logs }
}

/** SLS body: exactly one LogGroup. */
export function decodeSlsLogGroup (buf: Buffer, o: DecodeOptions): DecodeResult {
  const r = new Reader(buf)
  const counter = { logs: 0 }
  const g = readGroup(r, SLS, o, counter)
  return { groups: g ? [g] : [], groupCount: 1, logCount: counter.logs }
}
