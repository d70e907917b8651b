// Reused memory for compressed bodies: classes, what is pooled, the bound on what waits unused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bodyMemoryStats, giveBackBodyMemory, takeBodyMemory } from '../../packages/producer/src/wire/body-memory.js'

const KIB = 1024

test('small bodies are plain allocations, never pooled', () => {
  const { memory, pooled } = takeBodyMemory(31 * KIB)
  assert.equal(memory.length, 31 * KIB)
  assert.equal(pooled, false)
})

test('a body of pooled size gets memory of its own, in a 16 KiB class, and the next body of that class reuses it', () => {
  const before = bodyMemoryStats()
  const first = takeBodyMemory(100_000)
  assert.equal(first.pooled, true)
  assert.equal(first.memory.length, 100_000)
  assert.equal(first.memory.byteOffset, 0)
  assert.equal(first.memory.buffer.byteLength, 7 * 16 * KIB, 'rounded up to the class')
  first.memory.fill(0x41)
  giveBackBodyMemory(first.memory)
  assert.equal(bodyMemoryStats().freeBytes, before.freeBytes + 7 * 16 * KIB)

  // 110,000 bytes fall in the same class: the same memory, as a view of exactly the size asked.
  const second = takeBodyMemory(110_000)
  assert.equal(second.memory.buffer, first.memory.buffer)
  assert.equal(second.memory.length, 110_000)
  assert.deepEqual(bodyMemoryStats(), { freeBytes: before.freeBytes, reused: before.reused + 1 })

  // Another class does not take it.
  giveBackBodyMemory(second.memory)
  const other = takeBodyMemory(200_000)
  assert.notEqual(other.memory.buffer, first.memory.buffer)
  assert.equal(bodyMemoryStats().reused, before.reused + 1)
})

test('memory that did not come from the pool is not taken back', () => {
  const before = bodyMemoryStats().freeBytes
  giveBackBodyMemory(Buffer.allocUnsafe(100_000)) // its own ArrayBuffer, but not a class size
  giveBackBodyMemory(Buffer.allocUnsafeSlow(7 * 16 * KIB).subarray(16)) // not the start of its memory
  assert.equal(bodyMemoryStats().freeBytes, before)
})

test('at most 16 MiB waits unused; the rest is left to the garbage collector', () => {
  const bodies = Array.from({ length: 40 }, () => takeBodyMemory(512 * KIB).memory)
  for (const body of bodies) giveBackBodyMemory(body)
  const { freeBytes } = bodyMemoryStats()
  assert.ok(freeBytes <= 16 * KIB * KIB, `${freeBytes} bytes kept`)
  assert.ok(freeBytes > 15 * KIB * KIB, 'up to the bound is kept')
})
