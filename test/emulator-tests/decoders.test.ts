// The strict LZ4 block decoder and protobuf reader on their own.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { decodeLz4Block, decodeSlsLogGroup, decodeTlsLogGroupList } from '../emulator/index.js'
import { sampleSlsBody, sampleTlsBody } from './helpers/requests.js'
import { lz4Block, lz4LiteralOnly } from './helpers/wire.js'

describe('lz4 block decoder', () => {
  it('round-trips lz4-napi blocks (repetitive, random, > 64 KiB with long matches)', () => {
    const inputs = [
      Buffer.from('hello hello hello hello hello hello hello'),
      randomBytes(1000),
      Buffer.from('ab'.repeat(50_000) + 'xyz'.repeat(30_000)),
      Buffer.concat([randomBytes(70_000), randomBytes(10)]),
      sampleTlsBody(500)
    ]
    for (const input of inputs) assert.ok(decodeLz4Block(lz4Block(input), input.length).equals(input))
  })

  it('decodes the Go literal-only fallback at every length class', () => {
    for (const n of [0, 1, 14, 15, 16, 269, 270, 271, 600]) {
      const input = randomBytes(n)
      assert.ok(decodeLz4Block(lz4LiteralOnly(input), n).equals(input), `length ${n}`)
    }
  })

  it('handles overlapping matches (run-length)', () => {
    // literal 'a', match offset 1 length 4+3=7 → 'aaaaaaaa', then literal 'b'
    assert.equal(decodeLz4Block(Buffer.from([0x13, 0x61, 0x01, 0x00, 0x10, 0x62]), 9).toString(), 'aaaaaaaab')
  })

  it('refuses bad blocks', () => {
    const good = lz4Block(Buffer.from('hello hello hello hello hello hello hello'))
    assert.throws(() => decodeLz4Block(good, 40), /bodyrawsize|exceeds/)
    assert.throws(() => decodeLz4Block(good, 42), /decoded|exceeds/)
    assert.throws(() => decodeLz4Block(Buffer.from([0x10, 0x61, 0x01, 0x00]), 5), /ends with a match/)
    assert.throws(() => decodeLz4Block(Buffer.from([0x10, 0x61, 0x00, 0x00, 0x10, 0x62]), 6), /offset 0/)
    assert.throws(() => decodeLz4Block(Buffer.from([0xf0]), 20), /truncated literal length/)
    assert.throws(() => decodeLz4Block(Buffer.from([0x50, 0x61]), 5), /past the end/)
    assert.throws(() => decodeLz4Block(Buffer.alloc(0), 0), /empty/)
  })
})

describe('protobuf reader', () => {
  const opts = { rejectUnknownFields: true, rejectEmptyKeys: false }
  it('counting mode validates and counts without materializing', () => {
    const tls = sampleTlsBody(7)
    const full = decodeTlsLogGroupList(tls, { ...opts, materialize: true })
    const counted = decodeTlsLogGroupList(tls, { ...opts, materialize: false })
    assert.equal(full.logCount, 7)
    assert.equal(counted.logCount, 7)
    assert.equal(counted.groups.length, 0)
    const sls = decodeSlsLogGroup(sampleSlsBody(4), { ...opts, materialize: false })
    assert.equal(sls.logCount, 4)
  })
  it('an empty body is an empty LogGroupList / LogGroup', () => {
    assert.equal(decodeTlsLogGroupList(Buffer.alloc(0), { ...opts, materialize: true }).logCount, 0)
    assert.equal(decodeSlsLogGroup(Buffer.alloc(0), { ...opts, materialize: true }).logCount, 0)
  })
  it('unknown fields are skipped when rejectUnknownFields is off', () => {
    const body = Buffer.concat([sampleSlsBody(1), Buffer.from([0x3a, 0x01, 0x78])])
    assert.throws(() => decodeSlsLogGroup(body, { ...opts, materialize: true }), /unknown field 7/)
    assert.equal(decodeSlsLogGroup(body, { ...opts, rejectUnknownFields: false, materialize: true }).logCount, 1)
  })
})
