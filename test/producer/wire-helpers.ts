/** Test helpers for the wire tests: an independent LZ4 block decoder, protobufjs schemas, fixtures. */
import protobuf from 'protobufjs'
import { resolveOptions, type ResolvedOptions } from '../../packages/producer/src/options.js'
import type { ProducerOptions } from '../../packages/producer/src/types.js'

/** Decodes a raw LZ4 block (the format spec, written from scratch) into exactly `size` bytes. */
export function lz4DecodeBlock (input: Uint8Array, size: number): Buffer {
  const out = Buffer.alloc(size)
  let ip = 0
  let op = 0
  while (ip < input.length) {
    const token = input[ip++]
    let literals = token >> 4
    if (literals === 15) {
      let b: number
      do {
        b = input[ip++]
        literals += b
      } while (b === 255)
    }
    for (let i = 0; i < literals; i++) out[op++] = input[ip++]
    if (ip >= input.length) break // the last sequence has literals only
    const offset = input[ip] | (input[ip + 1] << 8)
    ip += 2
    let match = (token & 15) + 4
    if ((token & 15) === 15) {
      let b: number
      do {
        b = input[ip++]
        match += b
      } while (b === 255)
    }
    if (offset === 0 || offset > op) throw new Error(`bad offset ${offset} at ${op}`)
    for (let i = 0; i < match; i++, op++) out[op] = out[op - offset]
  }
  if (op !== size) throw new Error(`decoded ${op} bytes, expected ${size}`)
  return out
}

const TLS_PROTO = `
syntax = "proto3";
package pb;
message LogContent { string Key = 1; string Value = 2; }
message Log { int64 Time = 1; repeated LogContent Contents = 2; oneof OptionalTimeNs { fixed32 TimeNs = 3; } }
message LogTag { string Key = 1; string Value = 2; }
message LogGroup { repeated Log Logs = 1; string Source = 2; repeated LogTag LogTags = 3; string FileName = 4; string ContextFlow = 5; }
message LogGroupList { repeated LogGroup LogGroups = 1; }
`

const SLS_PROTO = `
syntax = "proto2";
package sls;
message LogContent { required string Key = 1; required string Value = 2; }
message Log { required uint32 Time = 1; repeated LogContent Contents = 2; optional fixed32 TimeNs = 4; }
message LogTag { required string Key = 1; required string Value = 2; }
message LogGroup { repeated Log Logs = 1; optional string Category = 2; optional string Topic = 3; optional string Source = 4; optional string MachineUUID = 5; repeated LogTag LogTags = 6; }
`

export const tlsRoot = protobuf.parse(TLS_PROTO, { keepCase: true }).root
export const slsRoot = protobuf.parse(SLS_PROTO, { keepCase: true }).root
export const TlsLogGroupList = tlsRoot.lookupType('pb.LogGroupList')
export const TlsLog = tlsRoot.lookupType('pb.Log')
export const SlsLogGroup = slsRoot.lookupType('sls.LogGroup')
export const SlsLog = slsRoot.lookupType('sls.Log')

export function tlsOptions (extra: Partial<ProducerOptions> = {}): ResolvedOptions {
  return resolveOptions({
    service: 'tls',
    endpoint: 'https://tls-cn-beijing.volces.com',
    region: 'cn-beijing',
    accessKeyId: 'AKLTexampleAccessKeyId',
    accessKeySecret: 'exampleSecretAccessKey==',
    topicId: '0fd2bd7e-1234-4f6a-9abc-0123456789ab',
    source: '127.0.0.1',
    filename: 'app.log',
    ...extra
  } as ProducerOptions, {})
}

export function slsOptions (extra: Partial<ProducerOptions> = {}): ResolvedOptions {
  return resolveOptions({
    service: 'sls',
    endpoint: 'https://cn-hangzhou.log.aliyuncs.com',
    accessKeyId: 'mockAccessKeyID',
    accessKeySecret: 'mockAccessKeySecret',
    project: 'demo',
    logstore: 'app_log',
    source: '10.230.201.117',
    ...extra
  } as ProducerOptions, {})
}
