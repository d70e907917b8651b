// The strict LZ4 block decoder and protobuf reader on their own.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { decodeLz4Block, decodeSlsLogGroup, decodeTlsLogGroupList } from '../emulator/index.js'
import { sampleSlsBody, sampleTlsBody } from './helpers/requests.js'
import { field, lz4Block, lz4LengthExtension, lz4LiteralOnly, str, varint } from './helpers/wire.js'

/** One block by hand: `literal`, one match (offset, length), then `tail` as the last literals. */
function blockWithMatch (literal: Buffer, offset: number, length: number, tail: Buffer): Buffer {
  const lit = literal.length
  const extra = length - 4
  const bytes = [(Math.min(lit, 15) << 4) | Math.min(extra, 15)]
  if (lit >= 15) bytes.push(...lz4LengthExtension(lit - 15))
  bytes.push(...literal, offset & 0xff, offset >> 8)
  if (extra >= 15) bytes.push(...lz4LengthExtension(extra - 15))
  bytes.push(Math.min(tail.length, 15) << 4)
  if (tail.length >= 15) bytes.push(...lz4LengthExtension(tail.length - 15))
  bytes.push(...tail)
  return Buffer.from(bytes)
}

/** What the block above means, byte by byte: a match copies from `offset` back, front to back. */
function expectedOutput (literal: Buffer, offset: number, length: number, tail: Buffer): Buffer {
  const out = [...literal]
  for (let i = 0; i < length; i++) out.push(out[out.length - offset]!)
  return Buffer.from([...out, ...tail])
}

/** A TLS body of one log with one LogContent whose value is `value` (raw bytes). */
function tlsBodyWithValue (value: Buffer): Buffer {
  const content = field(2, 2, Buffer.concat([str(1, 'k'), str(2, value)]))
  const log = field(1, 2, Buffer.concat([field(1, 0, varint(1700000000000)), content]))
  return field(1, 2, log)
}

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
    // literal 'a', match offset 1 length 4+3=7 → 'aaaaaaaa', then literals 'bcdef'
    assert.equal(decodeLz4Block(Buffer.from([0x13, 0x61, 0x01, 0x00, 0x50, ...Buffer.from('bcdef')]), 13).toString(), 'aaaaaaaabcdef')
  })

  it('copies literals and matches of every length class and offset exactly (short copies, long copies, overlaps)', () => {
    // Around the decoder's thresholds: 4-byte steps, short copies up to 48 bytes, the 15/255
    // length extensions; offsets below 4 overlap in every step.
    const literalLengths = [1, 3, 4, 5, 14, 15, 16, 47, 48, 49, 64, 300]
    const matchLengths = [4, 5, 7, 8, 9, 18, 19, 47, 48, 49, 52, 100, 273, 274, 1000]
    const offsets = [1, 2, 3, 4, 5, 7, 8, 13, 47, 48, 49, 64, 300]
    // 8 bytes of last literals: with a match of 4 or more, every match starts 12 or more bytes
    // before the end, as LZ4's end-of-block rules require (tested below).
    const tail = Buffer.from('the end!')
    let checked = 0
    for (const lit of literalLengths) {
      const literal = randomBytes(lit)
      for (const offset of offsets) {
        if (offset > lit) continue
        for (const length of matchLengths) {
          const expected = expectedOutput(literal, offset, length, tail)
          const got = decodeLz4Block(blockWithMatch(literal, offset, length, tail), expected.length)
          assert.ok(got.equals(expected), `literal ${lit}, offset ${offset}, match ${length}`)
          checked++
        }
      }
    }
    assert.ok(checked > 500)
  })

  it('refuses bad blocks', () => {
    const good = lz4Block(Buffer.from('hello hello hello hello hello hello hello'))
    assert.throws(() => decodeLz4Block(good, 40), /bodyrawsize|exceeds/)
    assert.throws(() => decodeLz4Block(good, 42), /decoded|exceeds/)
    assert.throws(() => decodeLz4Block(Buffer.from([0x10, 0x61, 0x01, 0x00]), 20), /ends with a match/)
    assert.throws(() => decodeLz4Block(Buffer.from([0x10, 0x61, 0x00, 0x00, 0x10, 0x62]), 20), /offset 0/)
    assert.throws(() => decodeLz4Block(Buffer.from([0xf0]), 20), /truncated literal length/)
    assert.throws(() => decodeLz4Block(Buffer.from([0x50, 0x61]), 5), /past the end/)
    assert.throws(() => decodeLz4Block(Buffer.alloc(0), 0), /empty/)
  })

  it('enforces LZ4\'s end-of-block rules as liblz4 does: the last 5 bytes are literals, the last match starts 12 or more bytes before the end', () => {
    const literal = Buffer.from('abcdefgh')
    const decode = (length: number, tail: string): Buffer =>
      decodeLz4Block(blockWithMatch(literal, 8, length, Buffer.from(tail)), expectedOutput(literal, 8, length, Buffer.from(tail)).length)
    // At each limit: accepted. The match ends exactly 5 bytes before the end…
    assert.equal(decode(8, 'vwxyz').toString(), 'abcdefghabcdefghvwxyz')
    // …and starts exactly 12 bytes before it (a 4-byte match, then 8 literals).
    assert.equal(decode(4, '12345678').toString(), 'abcdefghabcd12345678')
    // One byte past each limit: refused, though the bytes would decode.
    assert.throws(() => decode(8, 'wxyz'), /within the last 5 bytes/)
    assert.throws(() => decode(4, '1234567'), /within the last 12 bytes/)
    // A block shorter than 13 bytes holds literals only.
    assert.throws(() => decodeLz4Block(Buffer.from([0x10, 0x61, 0x01, 0x00, 0x70, ...Buffer.from('bcdefgh')]), 12), /within the last 12 bytes/)
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
  it('checks UTF-8 wherever in a string the first non-ASCII byte sits, in both modes', () => {
    const valid = ['é', '€', '😀']
    const invalid = [Buffer.from([0xff]), Buffer.from([0xc0, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x80])]
    for (const materialize of [true, false]) {
      for (let at = 0; at <= 9; at++) {
        for (const after of [0, 1, 5]) {
          const before = 'a'.repeat(at)
          for (const ch of valid) {
            const text = before + ch + 'z'.repeat(after)
            const decoded = decodeTlsLogGroupList(tlsBodyWithValue(Buffer.from(text)), { ...opts, materialize })
            assert.equal(decoded.logCount, 1)
            if (materialize) assert.equal(decoded.groups[0]!.logs[0]!.contents[0]![1], text)
          }
          for (const bad of invalid) {
            const value = Buffer.concat([Buffer.from(before), bad, Buffer.from('z'.repeat(after))])
            assert.throws(() => decodeTlsLogGroupList(tlsBodyWithValue(value), { ...opts, materialize }), /LogContent\.Value is not valid UTF-8/, `${bad.toString('hex')} at ${at}, ${after} after, materialize ${materialize}`)
          }
        }
      }
    }
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
