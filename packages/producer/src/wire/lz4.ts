/**
 * Raw LZ4 block (no frame, no size prefix), as both services expect; the receiver sizes the output
 * from the bodyrawsize header.
 *
 * The compressor is written here in TypeScript rather than taken from lz4-napi: lz4-napi 2.10's
 * compressSync never gives back about the size of each output it returns (RSS grew ~0.25 MB per
 * 512 KiB batch of standard records, without bound, even with forced GCs; its async compress levels
 * off only ~120 MB up), which alone put the producer over its memory bound (bench/lz4-choice.ts
 * shows it). This one writes into one reused output buffer and copies the block into the body's
 * memory (body-memory.ts, reused once a batch has settled). On standard log batches it compresses
 * ~3.5× (lz4-napi: 2.1×) at 80-95 % of lz4-napi's speed on the benchmark machine (README,
 * "Why our own LZ4 block compressor"); the smaller body makes the MD5/SHA-256 digests, the request
 * and the service's decompression cheaper.
 *
 * The producer runs the WebAssembly build of this same parse (lz4-block.wat via lz4-wasm.ts), which
 * makes the same blocks byte for byte at about twice the speed; the TypeScript compressor here is
 * used where WebAssembly is unavailable, and is the reference the wasm build is tested against.
 *
 * The usual LZ4 greedy parse: a 4-byte hash of each position into a 64 Ki-entry table of last
 * positions, matches of at least 4 bytes within 64 KiB, extended backwards over pending literals
 * and forwards 4 bytes at a time (DataView reads); after a run of misses the scan steps faster
 * (1 + misses/16). The format's end rules hold: the last match starts at least 12 bytes before the
 * end and the last 5 bytes are literals.
 */

import { takeBodyMemory } from './body-memory.js'
import { MAX_OFFSET, PositionBase } from './lz4-position-base.js'
import { WasmLz4 } from './lz4-wasm.js'

const HASH_LOG = 16
const HASH_SHIFT = 32 - HASH_LOG
const MIN_MATCH = 4
/** A match may not start within the last 12 bytes. */
const MF_LIMIT = 12
/** The last 5 bytes are always literals. */
const LAST_LITERALS = 5
/** Knuth's multiplicative hash constant 2654435761 as a signed 32-bit integer. */
const PRIME = -1640531535

/** Positions seen, stored as position + base (lz4-position-base.ts: never cleared between calls). */
const table = new Int32Array(1 << HASH_LOG)
const bases = new PositionBase()
const clearTable = (): void => { table.fill(0) }
/** Reused output memory, as large as the largest worst case so far. */
let out = Buffer.allocUnsafe(0)

/** Largest block LZ4 can make of `n` bytes. */
export function lz4WorstCase (n: number): number {
  return n + Math.floor(n / 255) + 16
}

/** A DataView of the input being compressed: one unaligned 4-byte load instead of four byte loads (2× faster match extension). */
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0))
let viewOf: Uint8Array | undefined

function read32 (i: number): number {
  return view.getInt32(i, true)
}

/** Writes an LZ4 length continuation (the part beyond 15): 255-runs, then the rest. */
function writeLength (dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255
    rest -= 255
  }
  dst[op++] = rest
  return op
}

function copyBytes (src: Buffer, from: number, to: number, dst: Buffer, op: number): number {
  if (to - from > 32) {
    src.copy(dst, op, from, to)
    return op + to - from
  }
  for (let i = from; i < to; i++) dst[op++] = src[i]
  return op
}

/** Compresses src[0, n) into dst (at least lz4WorstCase(n) long); returns the block length. */
export function lz4CompressInto (src: Buffer, n: number, dst: Buffer): number {
  const b = bases.claim(n, clearTable)
  if (viewOf !== src) {
    view = new DataView(src.buffer, src.byteOffset, src.byteLength)
    viewOf = src
  }
  let op = 0
  let anchor = 0
  if (n > MF_LIMIT) {
    const mfLimit = n - MF_LIMIT
    const matchLimit = n - LAST_LITERALS
    let ip = 0
    let misses = 0
    while (ip < mfLimit) {
      const seq = read32(ip)
      const h = Math.imul(seq, PRIME) >>> HASH_SHIFT
      let ref = table[h] - b
      table[h] = ip + b
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(ref) !== seq) {
        ip += 1 + (misses++ >> 4)
        continue
      }
      misses = 0
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--
        ref--
      }
      let end = ip + MIN_MATCH
      let r = ref + MIN_MATCH
      let tail = true
      while (end < matchLimit - 3) {
        const diff = read32(end) ^ read32(r)
        if (diff !== 0) {
          end += (31 - Math.clz32(diff & -diff)) >> 3
          tail = false
          break
        }
        end += 4
        r += 4
      }
      if (tail) {
        while (end < matchLimit && src[end] === src[r]) {
          end++
          r++
        }
      }
      const litLen = ip - anchor
      const matchLen = end - ip - MIN_MATCH
      const tokenPos = op++
      let token: number
      if (litLen >= 15) {
        token = 0xf0
        op = writeLength(dst, op, litLen - 15)
      } else {
        token = litLen << 4
      }
      op = copyBytes(src, anchor, ip, dst, op)
      const offset = ip - ref
      dst[op++] = offset & 0xff
      dst[op++] = offset >>> 8
      if (matchLen >= 15) {
        token |= 0x0f
        op = writeLength(dst, op, matchLen - 15)
      } else {
        token |= matchLen
      }
      dst[tokenPos] = token
      ip = end
      anchor = end
      if (ip < mfLimit) {
        const p = ip - 2
        table[Math.imul(read32(p), PRIME) >>> HASH_SHIFT] = p + b
      }
    }
  }
  const litLen = n - anchor
  if (litLen >= 15) {
    dst[op++] = 0xf0
    op = writeLength(dst, op, litLen - 15)
  } else {
    dst[op++] = litLen << 4
  }
  src.copy(dst, op, anchor, n)
  return op + litLen
}

/**
 * This thread's WebAssembly compressor (lz4-wasm.ts), made on first use; undefined where the
 * runtime has no WebAssembly (`node --jitless`, which also stops undici) or cannot instantiate it
 * (a tight `ulimit -v`). The TypeScript compressor above then does the work, as it does for a body
 * the wasm memory cannot grow to hold: the same blocks either way.
 */
let wasm: WasmLz4 | undefined
let wasmTried = false
/** Where the TypeScript path assembles raw bodies: reused, as large as the largest body so far. */
let scratch = Buffer.allocUnsafe(0)

/**
 * Compresses `input` into a raw LZ4 block (an exact-size buffer of its own). When compression
 * gains nothing, the Go SDKs' literal-only block is returned instead (`copyIncompressible`), which
 * every decoder accepts.
 */
export function lz4CompressBlock (input: Buffer): Buffer {
  return lz4CompressBody(input.length, (into) => input.copy(into)).block
}

/**
 * Compresses a raw body of `size` bytes, which `write` puts into the buffer it is given: the
 * compressor's own input memory, so the body is assembled where it is compressed, not copied there.
 * The block's memory comes from body-memory.ts, and `pooled` says whether it may be given back
 * there once nothing reads the body any more.
 */
export function lz4CompressBody (size: number, write: (into: Buffer) => void): { block: Buffer, pooled: boolean } {
  const wasmInput = wasmInputFor(size)
  let input: Buffer
  let compressed: Uint8Array
  if (wasm !== undefined && wasmInput !== undefined) {
    input = wasmInput
    write(input)
    compressed = size > 0 ? wasm.compress(size) : input
  } else {
    if (scratch.length < size) scratch = Buffer.allocUnsafe(size)
    input = scratch.subarray(0, size)
    write(input)
    const worst = lz4WorstCase(size)
    if (out.length < worst) out = Buffer.allocUnsafe(worst)
    compressed = size > 0 ? out.subarray(0, lz4CompressInto(input, size, out)) : input
  }
  if (compressed.length < size) {
    const { memory, pooled } = takeBodyMemory(compressed.length)
    memory.set(compressed)
    return { block: memory, pooled }
  }
  return { block: literalBlock(input), pooled: false }
}

/** The wasm compressor's input memory for `size` bytes, or undefined to compress in TypeScript. */
function wasmInputFor (size: number): Buffer | undefined {
  if (!wasmTried) {
    wasmTried = true
    wasm = WasmLz4.create()
  }
  if (wasm === undefined) return undefined
  try {
    return wasm.input(size, lz4WorstCase(size))
  } catch {
    // memory.grow refused (RangeError): this body is compressed in TypeScript instead.
    return undefined
  }
}

/** One sequence with only literals: token `len<<4` (or 0xF0 plus 255-runs for len >= 15), then the bytes. */
export function literalBlock (input: Uint8Array): Buffer {
  const n = input.length
  const extra = n >= 15 ? Math.floor((n - 15) / 255) + 1 : 0
  const block = Buffer.allocUnsafe(1 + extra + n)
  let pos = 0
  if (n < 15) {
    block[pos++] = n << 4
  } else {
    block[pos++] = 0xf0
    let rest = n - 15
    while (rest >= 255) {
      block[pos++] = 255
      rest -= 255
    }
    block[pos++] = rest
  }
  block.set(input, pos)
  return block
}
