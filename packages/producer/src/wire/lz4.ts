/**
 * Raw LZ4 block (no frame, no size prefix), as both services expect; the receiver sizes the output
 * from the bodyrawsize header. lz4-napi (lz4_flex) does the work; its block carries a 4-byte
 * little-endian size prefix, stripped here.
 */
import { createRequire } from 'node:module'

interface Lz4Napi {
  compressSync (data: Buffer): Buffer
}

// lz4-napi is CommonJS with a native addon: load it lazily so importing this module has no cost.
let native: Lz4Napi | null | undefined
function lz4Napi (): Lz4Napi | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('lz4-napi') as Lz4Napi
    } catch {
      native = null
    }
  }
  return native
}

/**
 * Compresses `input` into a raw LZ4 block. When the compressor fails or gains nothing, the Go
 * SDKs' literal-only block is returned instead (`copyIncompressible`), which every decoder accepts.
 */
export function lz4CompressBlock (input: Buffer): Buffer {
  const lib = lz4Napi()
  if (lib !== null && input.length > 0) {
    try {
      const out = lib.compressSync(input)
      // `out` is as large as the worst case; keep an exact copy, not a view that pins all of it.
      if (out.length - 4 < input.length) return Buffer.from(out.subarray(4))
    } catch {
      // fall through to the literal block
    }
  }
  return literalBlock(input)
}

/** One sequence with only literals: token `len<<4` (or 0xF0 plus 255-runs for len >= 15), then the bytes. */
export function literalBlock (input: Uint8Array): Buffer {
  const n = input.length
  const extra = n >= 15 ? Math.floor((n - 15) / 255) + 1 : 0
  const out = Buffer.allocUnsafe(1 + extra + n)
  let pos = 0
  if (n < 15) {
    out[pos++] = n << 4
  } else {
    out[pos++] = 0xf0
    let rest = n - 15
    while (rest >= 255) {
      out[pos++] = 255
      rest -= 255
    }
    out[pos++] = rest
  }
  out.set(input, pos)
  return out
}
