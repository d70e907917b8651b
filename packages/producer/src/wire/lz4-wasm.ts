/**
 * The WebAssembly build of the LZ4 block compressor (lz4-block.wat): same blocks as lz4.ts's
 * TypeScript one, about twice as fast. Instantiated on first use (never on import), once per
 * thread; where WebAssembly is unavailable (`node --jitless`) lz4.ts keeps using TypeScript.
 *
 * Its memory holds the hash table, then the input, then the output. The caller writes the raw
 * body straight into the input (input()), so the body is not copied before compression.
 */
import { LZ4_BLOCK_WASM_BASE64 } from './lz4-block-wasm.js'
import { PositionBase } from './lz4-position-base.js'

const TABLE_BYTES = 1 << 18
const PAGE_BYTES = 65536
/** Between input and output: the 8-byte literal copy reads up to 7 bytes past a literal run. */
const INPUT_SLACK = 16
/** After the output's worst case: the same copy writes up to 7 bytes past a literal run. */
const OUTPUT_SLACK = 16

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: unknown }
}

interface Lz4Exports {
  memory: { readonly buffer: ArrayBuffer, grow: (pages: number) => number }
  compress: (src: number, n: number, dst: number, base: number) => number
}

export class WasmLz4 {
  private readonly exports: Lz4Exports
  /** A view of the whole memory; replaced whenever the memory grows (growing detaches it). */
  private memory: Uint8Array
  /** The hash table stores position + base (lz4-position-base.ts), so it is never cleared between calls. */
  private readonly bases = new PositionBase()
  private readonly clearTable = (): void => { this.memory.fill(0, 0, TABLE_BYTES) }

  /** Undefined when this runtime cannot compile or run WebAssembly. */
  static create (): WasmLz4 | undefined {
    const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly
    if (api === undefined) return undefined
    try {
      const module = new api.Module(Buffer.from(LZ4_BLOCK_WASM_BASE64, 'base64'))
      return new WasmLz4(new api.Instance(module).exports as Lz4Exports)
    } catch {
      return undefined
    }
  }

  private constructor (exports: Lz4Exports) {
    this.exports = exports
    this.memory = new Uint8Array(exports.memory.buffer)
  }

  /**
   * The memory where the next input of `n` bytes goes (its block may take up to `worstCase`
   * bytes): a Buffer valid until the next input() call. Grows the memory and never shrinks it:
   * like the TypeScript compressor's output buffer, it stays as large as the largest batch so far.
   */
  input (n: number, worstCase: number): Buffer {
    const need = this.outputAt(n) + worstCase + OUTPUT_SLACK
    const have = this.exports.memory.buffer.byteLength
    if (need > have) {
      this.exports.memory.grow(Math.ceil((need - have) / PAGE_BYTES))
      this.memory = new Uint8Array(this.exports.memory.buffer)
    }
    return Buffer.from(this.memory.buffer, TABLE_BYTES, n)
  }

  /** Compresses the `n` bytes written into input(n); returns the block, a view valid until the next call. */
  compress (n: number): Uint8Array {
    const base = this.bases.claim(n, this.clearTable)
    const at = this.outputAt(n)
    const length = this.exports.compress(TABLE_BYTES, n, at, base)
    return this.memory.subarray(at, at + length)
  }

  private outputAt (n: number): number {
    return TABLE_BYTES + n + INPUT_SLACK
  }
}
