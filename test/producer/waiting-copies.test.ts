import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WaitingCopies, type WaitingCopy } from '../../packages/producer/src/waiting-copies.js'

const place = (): WaitingCopy => ({ chunk: undefined as never, start: 0, end: 0 })
const entry = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

test('copies share a chunk one after another, and the chunk is written again only once every copy in it is released', () => {
  const copies = new WaitingCopies()
  const a = place()
  const b = place()
  copies.copy(entry(600, 1), a)
  copies.copy(entry(600, 2), b)
  assert.equal(a.chunk, b.chunk)
  assert.deepEqual([a.start, a.end, b.start, b.end], [0, 600, 600, 1200])
  copies.release(a)
  const c = place()
  copies.copy(entry(600, 3), c)
  assert.equal(c.start, 1200, 'b is still live: nothing is written over it')
  assert.ok(copies.view(b).every((x) => x === 2))
  copies.release(b)
  copies.release(c)
  const d = place()
  copies.copy(entry(10, 4), d)
  assert.equal(d.chunk, a.chunk)
  assert.equal(d.start, 0, 'all released: the chunk is written from its start again')
})

test('a full chunk is left to its copies; once they are released it is reused for later ones', () => {
  const copies = new WaitingCopies()
  const first: WaitingCopy[] = []
  // 64 KiB / 8,000 bytes: 8 copies fill the first chunk, the 9th starts another.
  for (let i = 0; i < 9; i++) {
    const p = place()
    copies.copy(entry(8000, i), p)
    first.push(p)
  }
  const firstChunk = first[0]!.chunk
  assert.notEqual(first[8]!.chunk, firstChunk)
  for (const p of first.slice(0, 8)) copies.release(p)
  assert.ok(copies.view(first[8]!).every((x) => x === 8), 'the live copy is untouched')
  // Fill the second chunk up: the next chunk is the first one, from the free list.
  let reused = false
  for (let i = 0; i < 9 && !reused; i++) {
    const p = place()
    copies.copy(entry(8000, 100 + i), p)
    reused = p.chunk === firstChunk
  }
  assert.ok(reused, 'the emptied chunk was reused')
})

test('an entry over 8 KiB gets memory of its own; releasing twice counts once', () => {
  const copies = new WaitingCopies()
  const big = place()
  copies.copy(entry(9000, 7), big)
  assert.equal(big.chunk.memory.length, 9000)
  assert.ok(copies.view(big).every((x) => x === 7))
  const small = place()
  const other = place()
  copies.copy(entry(100, 1), small)
  copies.copy(entry(100, 2), other)
  copies.release(small)
  copies.release(small) // a second release must not count for `other`
  const next = place()
  copies.copy(entry(100, 3), next)
  assert.equal(next.start, 200, 'other is still live')
  assert.ok(copies.view(other).every((x) => x === 2))
})
