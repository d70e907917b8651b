// Test-side encoders: protobufjs from inline schemas (independent of the emulator's hand-written
// reader), LZ4 raw blocks via lz4-napi, and the Go SDK's literal-only LZ4 fallback.
import protobuf from 'protobufjs'
import { compressSync } from 'lz4-napi'

const TLS_PROTO = `syntax = "proto3"; package pb;
message LogContent { string Key = 1; string Value = 2; }
message Log { int64 Time = 1; repeated LogContent Contents = 2; oneof OptionalTimeNs { fixed32 TimeNs = 3; } }
message LogTag { string Key = 1; string Value = 2; }
message LogGroup { repeated Log Logs = 1; string Source = 2; repeated LogTag LogTags = 3; string FileName = 4; string ContextFlow = 5; }
message LogGroupList { repeated LogGroup LogGroups = 1; }`

const SLS_PROTO = `syntax = "proto2"; package sls;
message LogContent { required string Key = 1; required string Value = 2; }
message Log { required uint32 Time = 1; repeated LogContent Contents = 2; optional fixed32 TimeNs = 4; }
message LogTag { required string Key = 1; required string Value = 2; }
message LogGroup { repeated Log Logs = 1; optional string Category = 2; optional string Topic = 3; optional string Source = 4; optional string MachineUUID = 5; repeated LogTag LogTags = 6; }`

const tlsRoot = protobuf.parse(TLS_PROTO, { keepCase: true }).root
const slsRoot = protobuf.parse(SLS_PROTO, { keepCase: true }).root
const TlsList = tlsRoot.lookupType('pb.LogGroupList')
const SlsGroup = slsRoot.lookupType('sls.LogGroup')

export interface TestLog { time: number, timeNs?: number, contents: Array<[string, string]> }

export interface TlsGroup { logs: TestLog[], source?: string, filename?: string, contextFlow?: string, tags?: Array<[string, string]> }

export function encodeTls (groups: TlsGroup[]): Buffer {
  const msg = TlsList.fromObject({
    LogGroups: groups.map(g => ({
      Logs: g.logs.map(l => ({ Time: l.time, TimeNs: l.timeNs, Contents: l.contents.map(([Key, Value]) => ({ Key, Value })) })),
      Source: g.source,
      FileName: g.filename,
      ContextFlow: g.contextFlow,
      LogTags: (g.tags ?? []).map(([Key, Value]) => ({ Key, Value }))
    }))
  })
  return Buffer.from(TlsList.encode(msg).finish())
}

export interface SlsGroup { logs: TestLog[], topic?: string, source?: string, tags?: Array<[string, string]> }

export function encodeSls (g: SlsGroup): Buffer {
  const msg = SlsGroup.fromObject({
    Logs: g.logs.map(l => ({ Time: l.time, TimeNs: l.timeNs, Contents: l.contents.map(([Key, Value]) => ({ Key, Value })) })),
    Topic: g.topic,
    Source: g.source,
    LogTags: (g.tags ?? []).map(([Key, Value]) => ({ Key, Value }))
  })
  return Buffer.from(SlsGroup.encode(msg).finish())
}

/** Raw LZ4 block (lz4-napi prepends a 4-byte size; strip it). */
export function lz4Block (data: Buffer): Buffer {
  return compressSync(data).subarray(4)
}

/** An LZ4 length beyond the token's 4 bits (the part past 15): 255s, then the rest. */
export function lz4LengthExtension (rest: number): number[] {
  const out: number[] = []
  while (rest >= 255) { out.push(255); rest -= 255 }
  out.push(rest)
  return out
}

/** The Go SDK's CopyIncompressible: one literal-only sequence. */
export function lz4LiteralOnly (data: Buffer): Buffer {
  const head = data.length < 15 ? [data.length << 4] : [0xf0, ...lz4LengthExtension(data.length - 15)]
  return Buffer.concat([Buffer.from(head), data])
}

// Minimal raw protobuf writers for malformed bodies.
export function varint (n: number): Buffer {
  const out: number[] = []
  while (n > 127) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Buffer.from(out)
}

export function field (num: number, wire: number, payload: Buffer): Buffer {
  const tag = varint(num * 8 + wire)
  return wire === 2 ? Buffer.concat([tag, varint(payload.length), payload]) : Buffer.concat([tag, payload])
}

export function str (num: number, s: string | Buffer): Buffer {
  return field(num, 2, Buffer.isBuffer(s) ? s : Buffer.from(s))
}
