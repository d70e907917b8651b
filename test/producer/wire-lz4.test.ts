import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { inflateSync } from 'node:zlib'
import { test } from 'node:test'
import { deflateBody, deflateBodySync } from '../../packages/producer/src/wire/deflate.js'
import { literalBlock, lz4CompressBlock } from '../../packages/producer/src/wire/lz4.js'
import { MAX_OFFSET, PositionBase } from '../../packages/producer/src/wire/lz4-position-base.js'
import { lz4DecodeBlock } from './wire-helpers.js'

const VECTOR = Buffer.from('0a3a0a240888b183c1cc31120d0a056c6576656c1204494e464f120c0a036d7367120568656c6c6f12093132372e302e302e3122076170702e6c6f67', 'hex')

test('§2.4: the 60-byte body becomes the literal-only block f02d + bytes', () => {
  const block = lz4CompressBlock(VECTOR)
  assert.equal(block.toString('hex'), 'f02d' + VECTOR.toString('hex'))
  assert.deepEqual(lz4DecodeBlock(block, 60), VECTOR)
})

test('compressible batches round-trip through an independent decoder and shrink', () => {
  const line = Buffer.from('{"level":"info","msg":"request handled","field_0":"' + 'abcdefghij'.repeat(6) + '"}')
  const input = Buffer.concat(Array.from({ length: 500 }, (_, i) => Buffer.concat([line, Buffer.from(String(i))])))
  const block = lz4CompressBlock(input)
  assert.ok(block.length < input.length / 4, `ratio ${block.length}/${input.length}`)
  assert.deepEqual(lz4DecodeBlock(block, input.length), input)
})

test('incompressible input uses the literal-only fallback (255-runs in the length)', () => {
  for (const n of [1, 14, 15, 16, 269, 270, 271, 100_000]) {
    const input = randomBytes(n)
    const block = lz4CompressBlock(input)
    assert.deepEqual(block, literalBlock(input), `n=${n}`)
    assert.deepEqual(lz4DecodeBlock(block, n), input)
  }
  assert.equal(literalBlock(Buffer.alloc(15)).subarray(0, 2).toString('hex'), 'f000')
  assert.equal(literalBlock(Buffer.alloc(270)).subarray(0, 3).toString('hex'), 'f0ff00')
})

test('empty input is the one-byte block 00', () => {
  assert.equal(lz4CompressBlock(Buffer.alloc(0)).toString('hex'), '00')
  assert.equal(lz4DecodeBlock(Buffer.from('00', 'hex'), 0).length, 0)
})

test('deflate is a zlib (RFC 1950) stream, sync and async', async () => {
  const input = Buffer.from('hello hello hello hello'.repeat(50))
  const async = await deflateBody(input)
  assert.equal(async[0], 0x78) // zlib header CMF
  assert.deepEqual(inflateSync(async), input)
  assert.deepEqual(inflateSync(deflateBodySync(input)), input)
})

test('position bases: each call starts past every position an earlier call can have stored, and they start over with a cleared table', () => {
  const bases = new PositionBase()
  let clears = 0
  const clear = (): void => { clears++ }
  const n = 1 << 20
  let previous = bases.claim(n, clear)
  assert.equal(previous, 1)
  let calls = 1
  for (;; calls++) {
    const base = bases.claim(n, clear)
    if (clears > 0) {
      // Started over: the table was cleared before this base was handed out.
      assert.equal(base, 1)
      break
    }
    // Entries of the previous call are at most previous + n - 1; with this base they read as
    // positions below -MAX_OFFSET, out of any match's reach.
    assert.ok(previous + n - 1 - base < -MAX_OFFSET, `call ${calls}: base ${base} after ${previous}`)
    // Position + base stays a positive int32 for every position of the input.
    assert.ok(base + n - 1 <= 0x7fffffff)
    previous = base
  }
  assert.equal(clears, 1)
  // 1 MiB inputs: about 2^30 / (2^20 + 2^16) calls before starting over.
  assert.ok(calls > 900 && calls < 1100, `started over after ${calls} calls`)
})
