/**
 * The memory a destination() shares with its worker: a ring of bytes that carries pino's lines as
 * UTF-8, written only by the logging thread and read only by the worker, and a few Int32 slots
 * that say how far each side has come and what the other should do.
 *
 * Positions are byte counts modulo 2^31 (POSITION_MASK): `(write - read) & POSITION_MASK` is what
 * waits to be read, and `position & (capacity - 1)` is where a byte lies in the ring (capacity is a
 * power of two, so both stay right when the counts wrap). The logging thread writes a line's bytes
 * first, then publishes the new WRITE position; the worker reads up to WRITE, then publishes READ.
 * A line may be split anywhere, even inside a character, at the ring's end or when it is larger
 * than the ring: the worker decodes the stream of bytes with a StringDecoder and its line reader
 * joins lines across reads.
 */

/** Bytes written so far (mod 2^31): set by the logging thread after the bytes are in the ring. */
export const WRITE = 0
/** Bytes read so far (mod 2^31): set by the worker once it has copied them out. */
export const READ = 1
/** 1 while the worker sleeps on DOORBELL: the logging thread then wakes it. */
export const READER_SLEEPING = 2
/** 1 once the logging thread asks the worker to read what is left and close (end(), exit). */
export const CLOSING = 3
/** 1 once the worker's close has settled (or the worker ended): releases a waiting logging thread. */
export const CLOSED = 4
/**
 * Raised by the logging thread whenever it publishes WRITE or sets CLOSING. The worker reads it
 * before it looks at either and sleeps on it, so a change made while it was deciding to sleep
 * makes the sleep return at once: neither a write nor the close request can be missed.
 */
export const DOORBELL = 5
/** Lines the logging thread dropped before it asked for the close: the worker's summary counts them. */
export const DROPPED_BEFORE_CLOSE = 6
const STATE_SLOTS = 8
const STATE_BYTES = STATE_SLOTS * Int32Array.BYTES_PER_ELEMENT

export const POSITION_MASK = 0x7fffffff

export const MIN_RING_BYTES = 64 * 1024
/** Below 2^31, so that a full ring's fill level is still a positive count modulo 2^31. */
export const MAX_RING_BYTES = 1024 * 1024 * 1024

export interface RingViews {
  state: Int32Array
  bytes: Buffer
  capacity: number
}

/** The ring's size in bytes: the power of two at or above the request, within the bounds above. */
export function ringCapacity (requested: number): number {
  let capacity = MIN_RING_BYTES
  while (capacity < requested && capacity < MAX_RING_BYTES) capacity *= 2
  return capacity
}

export function createRingMemory (capacity: number): SharedArrayBuffer {
  return new SharedArrayBuffer(STATE_BYTES + capacity)
}

export function ringViews (memory: SharedArrayBuffer): RingViews {
  const capacity = memory.byteLength - STATE_BYTES
  return {
    state: new Int32Array(memory, 0, STATE_SLOTS),
    bytes: Buffer.from(memory, STATE_BYTES, capacity),
    capacity
  }
}
