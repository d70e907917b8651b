/**
 * The WebAssembly LZ4 compressor (lz4-block.wat via lz4-wasm.ts): its committed bytes are what the
 * .wat assembles to; it makes the same blocks as the TypeScript compressor, byte for byte, on log
 * batches and on the format's edge cases; the blocks decode with an independent decoder; and where
 * WebAssembly is unavailable (`node --jitless`) the TypeScript compressor makes the same blocks.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { lz4CompressInto, lz4WorstCase } from '../../packages/producer/src/wire/lz4.js'
import { WasmLz4 } from '../../packages/producer/src/wire/lz4-wasm.js'
import { LZ4_BLOCK_WASM_BASE64 } from '../../packages/producer/src/wire/lz4-block-wasm.js'
import { encodeBody, encodeGroupTrailer, LogEncoder } from '../../packages/producer/src/wire/protobuf.js'
import { lz4DecodeBlock } from './wire-helpers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const lz4Child = fileURLToPath(new URL('./fixtures/lz4-child.ts', import.meta.url))

function wasmCompressor (): WasmLz4 {
  const wasm = WasmLz4.create()
  assert.ok(wasm !== undefined, 'this Node has WebAssembly, so the wasm compressor must instantiate')
  return wasm
}

function viaWasm (wasm: WasmLz4, input: Buffer): Buffer {
  input.copy(wasm.input(input.length, lz4WorstCase(input.length)))
  return Buffer.from(wasm.compress(input.length))
}

function viaTypeScript (input: Buffer): Buffer {
  const out = Buffer.alloc(lz4WorstCase(input.length))
  return out.subarray(0, lz4CompressInto(input, input.length, out))
}

/** A TLS request body of log records shaped like an application's: repeated keys, varied values. */
function logBatch (records: number, seed: number): Buffer {
  const encoder = new LogEncoder('tls', 1 << 20)
  const entries: Buffer[] = []
  for (let i = 0; i < records; i++) {
    const n = (i * 7919 + seed) % 10007
    entries.push(Buffer.from(encoder.encode({ ms: 1_700_000_000_000 + i, subMsNs: n }, {
      level: ['info', 'warn', 'error'][n % 3],
      message: `request ${n} handled in ${n % 500} ms`,
      user: `user-${n % 97}`,
      path: `/api/v1/items/${n % 1000}`,
      trace: (n * 2654435761 % 0xffffffff).toString(16).padStart(8, '0').repeat(2)
    })))
  }
  return encodeBody('tls', Buffer.concat(entries), encodeGroupTrailer('tls', { source: '10.0.0.1', filename: 'app.log', tags: [] }))
}

/** `a` recurs 65,535 bytes after it starts, within reach; `b` recurs 65,536 after, out of reach. */
function windowEdges (): Buffer {
  const a = randomBytes(200)
  const b = randomBytes(200)
  return Buffer.concat([a, randomBytes(65_535 - 200), a, b, randomBytes(65_536 - 200), b])
}

test('the committed wasm bytes are what lz4-block.wat assembles to (run `pnpm build:wasm` after editing it)', async () => {
  const { assembleLz4Wasm } = await import('../../scripts/build-lz4-wasm.mjs') as { assembleLz4Wasm: () => Promise<Buffer> }
  const assembled = await assembleLz4Wasm()
  assert.equal(LZ4_BLOCK_WASM_BASE64, assembled.toString('base64'))
})

test('wasm and TypeScript make identical blocks, which decode to the input', () => {
  const wasm = wasmCompressor()
  const inputs: Array<[string, Buffer]> = [
    ['a log batch of 4,000 records', logBatch(4000, 1)],
    ['a log batch of 250 records', logBatch(250, 2)],
    ['one log', logBatch(1, 3)],
    ['repeats 65,535 bytes apart (the largest offset) and 65,536 apart (too far)', windowEdges()],
    ['zeros (long matches: 255-runs in the match length)', Buffer.alloc(100_000)],
    ['random (literals only)', randomBytes(70_000)],
    ['random around a long run', Buffer.concat([randomBytes(300), Buffer.alloc(5000, 7), randomBytes(300)])],
    ['text', Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(2000))]
  ]
  for (let n = 0; n <= 40; n++) inputs.push([`${n} bytes`, Buffer.from('abcdabcdabcdxyzabcdabcdabcdabcdabcdabcdabcd'.slice(0, n))])
  for (const [name, input] of inputs) {
    const fromWasm = viaWasm(wasm, input)
    assert.deepEqual(fromWasm, viaTypeScript(input), name)
    assert.deepEqual(lz4DecodeBlock(fromWasm, input.length), input, name)
  }
  assert.ok(viaWasm(wasm, inputs[0][1]).length < inputs[0][1].length / 2, 'a log batch compresses')
})

test('the wasm memory grows for a larger input after smaller ones, and blocks stay identical', () => {
  const wasm = wasmCompressor()
  for (const records of [10, 4000, 30_000, 50]) {
    const input = logBatch(records, records)
    assert.deepEqual(viaWasm(wasm, input), viaTypeScript(input), `${records} records (${input.length} bytes)`)
  }
})

test('after the position base wraps, the hash table is cleared and blocks stay identical', () => {
  const wasm = wasmCompressor()
  const small = Buffer.from('abcdefgh'.repeat(4))
  // Every call raises the base by n + 65,536; 2^30 / 65,568 ≈ 16,376 calls wrap it.
  for (let i = 0; i < 17_000; i++) {
    small.copy(wasm.input(small.length, lz4WorstCase(small.length)))
    wasm.compress(small.length)
  }
  const input = logBatch(500, 4)
  assert.deepEqual(viaWasm(wasm, input), viaTypeScript(input))
})

test('without WebAssembly (node --jitless) lz4CompressBlock falls back to TypeScript and makes the same block', async () => {
  const input = logBatch(3000, 5)
  const child = spawn(process.execPath, ['--jitless', '--import', 'tsx', lz4Child], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  child.stdin.end(input)
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
  assert.equal(status, 0, stderr)
  const report = JSON.parse(stdout) as { webAssembly: boolean, block: string }
  assert.equal(report.webAssembly, false, 'the premise: --jitless removes WebAssembly')
  const block = Buffer.from(report.block, 'base64')
  assert.deepEqual(block, viaWasm(wasmCompressor(), input))
  assert.deepEqual(lz4DecodeBlock(block, input.length), input)
})
