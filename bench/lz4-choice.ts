/**
 * Which raw-LZ4-block compressor to ship: the producer's own (WebAssembly, wire/lz4-block.wat, and
 * its TypeScript twin in wire/lz4.ts, used where WebAssembly is unavailable) against
 * lz4-napi (native, lz4_flex; its compressSync retains about each output's size: see the RSS column)
 * and lz4js (pure JS, compressBlock), with zlib for reference. Input: TLS LogGroupList bodies of
 * standard records (level, message, field_0..field_7 of 60 bytes each) at the default 512 KiB batch
 * size and a small 32 KiB one. Reports throughput on the uncompressed size, the ratio, and how much
 * the process RSS grew while the compressor ran (after a forced GC when --expose-gc is given).
 *
 *   node --import tsx bench/lz4-choice.ts
 */
import { createRequire } from 'node:module'
import { deflateSync } from 'node:zlib'
import { lz4CompressBlock, lz4CompressInto, lz4WorstCase } from '../packages/producer/src/wire/lz4.js'
import { encodeBody, encodeGroupTrailer, LogEncoder } from '../packages/producer/src/wire/protobuf.js'
import { standardContents } from './lib/record.js'

interface Lz4js {
  compressBound (n: number): number
  compressBlock (src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number
  decompressBlock (src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number
}
const lz4js = createRequire(import.meta.url)('lz4js') as Lz4js
const lz4Napi = createRequire(import.meta.url)('lz4-napi') as { compressSync (data: Buffer): Buffer }

function batchBody (targetBytes: number): Buffer {
  const enc = new LogEncoder('tls', 1 << 20)
  const parts: Buffer[] = []
  let size = 0
  for (let i = 0; size < targetBytes; i++) {
    const entry = Buffer.from(enc.encode({ ms: 1_700_000_000_000 + i, subMsNs: 0 }, standardContents(i)))
    parts.push(entry)
    size += entry.length
  }
  return encodeBody('tls', Buffer.concat(parts), encodeGroupTrailer('tls', { source: '10.0.0.1', filename: 'app.log', tags: [] }))
}

/** The TypeScript compressor alone, as lz4CompressBlock runs it without WebAssembly: a reused output buffer, the block copied out. */
let tsOut = Buffer.allocUnsafe(0)
function typeScriptBlock (input: Buffer): Buffer {
  if (tsOut.length < lz4WorstCase(input.length)) tsOut = Buffer.allocUnsafe(lz4WorstCase(input.length))
  return Buffer.from(tsOut.subarray(0, lz4CompressInto(input, input.length, tsOut)))
}

function lz4jsBlock (input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(lz4js.compressBound(input.length))
  const n = lz4js.compressBlock(input, out, 0, input.length, new Uint32Array(1 << 16))
  return out.subarray(0, n)
}

function measure (name: string, input: Buffer, fn: (b: Buffer) => Buffer): { name: string, mbps: number, ratio: number, rssMiB: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const rss0 = process.memoryUsage().rss
  let out = fn(input)
  for (let i = 0; i < 5; i++) out = fn(input) // warm up
  const minMs = 1500
  let runs = 0
  const t0 = process.cpuUsage()
  const w0 = performance.now()
  while (performance.now() - w0 < minMs) {
    out = fn(input)
    runs++
  }
  const cpu = process.cpuUsage(t0)
  const cpuSec = (cpu.user + cpu.system) / 1e6
  const ratio = input.length / out.length
  gc?.()
  return { name, mbps: (input.length * runs) / cpuSec / 1e6, ratio, rssMiB: (process.memoryUsage().rss - rss0) / 1048576 }
}

const cases: Array<[string, (b: Buffer) => Buffer]> = [
  ['producer lz4 (shipped, wasm)', lz4CompressBlock],
  ['producer lz4 (TypeScript twin)', typeScriptBlock],
  ['lz4-napi compressSync', (b) => lz4Napi.compressSync(b).subarray(4)],
  ['lz4js compressBlock', lz4jsBlock],
  ['zlib level 1', (b) => deflateSync(b, { level: 1 })],
  ['zlib level 6 (deflate option)', (b) => deflateSync(b, { level: 6 })]
]

// Sanity: lz4js output must round-trip, or the comparison means nothing.
{
  const body = batchBody(64 * 1024)
  const back = Buffer.alloc(body.length)
  const block = lz4jsBlock(body)
  lz4js.decompressBlock(block, back, 0, block.length, 0)
  if (!back.equals(body)) throw new Error('lz4js round trip failed')
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}; MB/s = uncompressed MB per CPU second`)
for (const size of [512 * 1024, 32 * 1024]) {
  const body = batchBody(size)
  console.log(`\nbatch ${(body.length / 1024).toFixed(0)} KiB (${body.length} B of protobuf)`)
  console.log('compressor                        MB/s     ratio   RSS growth MiB')
  for (const [name, fn] of cases) {
    const r = measure(name, body, fn)
    console.log(`${r.name.padEnd(32)} ${r.mbps.toFixed(0).padStart(6)}   ${r.ratio.toFixed(2).padStart(6)}   ${r.rssMiB.toFixed(0).padStart(6)}`)
  }
}
