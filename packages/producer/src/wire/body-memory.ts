/**
 * Memory for compressed request bodies, reused from one batch to the next.
 *
 * A body lives from its batch's seal until the batch settles, usually seconds, so its Buffer is
 * promoted to V8's old generation: left to the garbage collector, its memory comes back only at
 * the next full GC, which V8 puts off until external memory has grown by about 64 MiB, and glibc
 * then keeps the freed chunks resident. Under sustained sending that added 15–30 MiB to peak RSS,
 * beyond totalSizeInBytes + 64 MiB (bench/RESULTS.md, fifth pass). The engine knows the moment a
 * body is dead (its batch settled after its last request completed), so it hands the memory back
 * here and the next body is built in it at once.
 *
 * (One case may still read a given-back body: a service that answers before reading all of it,
 * while the socket is still sending the rest. Those bytes belong to a request already answered and
 * are discarded by the service; the later body in that memory goes out in its own request.)
 *
 * Memory is kept in size classes (multiples of CLASS_BYTES), and only for bodies of at least
 * MIN_POOLED_BYTES: small bodies are cheap to allocate and would mostly waste their class's slack.
 * At most MAX_FREE_BYTES wait here unused; beyond that, returned memory is left to the GC.
 * Module state, like the other scratch memory of the wire: one pool per thread, shared by its
 * producers.
 */

const CLASS_BYTES = 16 * 1024
const MIN_POOLED_BYTES = 32 * 1024
const MAX_FREE_BYTES = 16 * 1024 * 1024

/** Free ArrayBuffers by byteLength (a multiple of CLASS_BYTES). */
const free = new Map<number, ArrayBuffer[]>()
let freeBytes = 0
/** Bodies built in memory given back by an earlier one (for tests and diagnosis). */
let reused = 0

function classOf (size: number): number {
  return Math.ceil(size / CLASS_BYTES) * CLASS_BYTES
}

/**
 * A Buffer of exactly `size` bytes for a body (contents undefined). `pooled` says whether it may
 * later be handed to giveBackBodyMemory: then it is the only view of its own ArrayBuffer.
 */
export function takeBodyMemory (size: number): { memory: Buffer, pooled: boolean } {
  if (size < MIN_POOLED_BYTES) return { memory: Buffer.allocUnsafe(size), pooled: false }
  const bytes = classOf(size)
  const list = free.get(bytes)
  const spare = list?.pop()
  if (spare !== undefined) {
    freeBytes -= bytes
    reused++
    return { memory: Buffer.from(spare, 0, size), pooled: true }
  }
  // allocUnsafeSlow: an ArrayBuffer of its own, never a slice of Node's shared pool.
  return { memory: Buffer.allocUnsafeSlow(bytes).subarray(0, size), pooled: true }
}

/**
 * Takes back the memory of a body that nothing will read again (its batch settled after its last
 * request completed). Only for memory that takeBodyMemory returned with `pooled: true`.
 */
export function giveBackBodyMemory (memory: Buffer): void {
  const buffer = memory.buffer as ArrayBuffer
  const bytes = buffer.byteLength
  if (memory.byteOffset !== 0 || bytes % CLASS_BYTES !== 0 || freeBytes + bytes > MAX_FREE_BYTES) return
  let list = free.get(bytes)
  if (list === undefined) free.set(bytes, (list = []))
  list.push(buffer)
  freeBytes += bytes
}

/** For tests: bytes waiting for reuse, and how many bodies were built in reused memory so far. */
export function bodyMemoryStats (): { freeBytes: number, reused: number } {
  return { freeBytes, reused }
}
