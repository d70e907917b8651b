/**
 * Copies of the entries of records waiting in sendAsync() for buffer space. The encoded entry is
 * the wire's scratch memory, so a waiting record needs a copy; under a full buffer a thousand may
 * wait at once, and one Buffer each (from Node's shared 8 KiB pool) lived long enough to be
 * collected only by a full GC, which kept the pool's slabs resident: several MiB more at the
 * 2M-record burst's peak. Here copies are written one after another into chunks that are reused
 * once every copy in them is gone; waiters are served in order, so chunks empty in order too.
 */

const CHUNK_BYTES = 64 * 1024
/** Larger entries get memory of their own: a chunk should hold many. */
const MAX_SHARED_BYTES = 8 * 1024
/** Empty chunks kept for the next wave of waiters. */
const MAX_FREE_CHUNKS = 16

export class CopyChunk {
  readonly memory: Buffer
  /** Copies in it not yet released. */
  live = 0
  constructor (bytes: number) {
    this.memory = Buffer.allocUnsafeSlow(bytes)
  }
}

export interface WaitingCopy {
  chunk: CopyChunk
  start: number
  end: number
}

export class WaitingCopies {
  private current: CopyChunk | undefined
  private used = 0
  private readonly free: CopyChunk[] = []

  /** Copies `entry`; `into` gets where it is (no object is made per copy). */
  copy (entry: Uint8Array, into: WaitingCopy): void {
    const length = entry.length
    if (length > MAX_SHARED_BYTES) {
      const own = new CopyChunk(length)
      own.memory.set(entry)
      own.live = 1
      into.chunk = own
      into.start = 0
      into.end = length
      return
    }
    let chunk = this.current
    if (chunk === undefined || this.used + length > CHUNK_BYTES) {
      // The chunk in use stays with its copies; once they are released it goes back to `free`.
      chunk = this.free.pop() ?? new CopyChunk(CHUNK_BYTES)
      this.current = chunk
      this.used = 0
    }
    chunk.memory.set(entry, this.used)
    chunk.live++
    into.chunk = chunk
    into.start = this.used
    into.end = this.used + length
    this.used += length
  }

  /** The copy, as a view (valid until release). */
  view (copy: WaitingCopy): Buffer {
    return copy.chunk.memory.subarray(copy.start, copy.end)
  }

  /** The copy is no longer needed; its chunk is reused once all of its copies are. Once per copy: later calls do nothing. */
  release (copy: WaitingCopy): void {
    if (copy.end < 0) return
    copy.end = -1
    const chunk = copy.chunk
    if (--chunk.live > 0 || chunk.memory.length !== CHUNK_BYTES) return
    if (chunk === this.current) this.used = 0
    else if (this.free.length < MAX_FREE_CHUNKS) this.free.push(chunk)
  }
}
