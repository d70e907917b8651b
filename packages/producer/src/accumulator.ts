/**
 * Open batches keyed by destination, and the one place that decides when a batch is sealed:
 * - size: before appending an entry, if the request body would exceed maxBatchSize once encoded, the
 *   open batch is sealed first and the entry starts a new one. Sizes come from the wire's exact
 *   `bodySize`, so a sealed batch never exceeds maxBatchSize. The one exception: a single record
 *   that alone is larger than maxBatchSize goes alone in its own batch, sealed at once (the wire
 *   has already truncated it to the service's per-log limit, so the service accepts it).
 *   A batch that reaches maxBatchSize exactly is sealed at once.
 * - count: a batch is sealed when it holds maxBatchCount logs.
 * - linger: a batch is sealed lingerMs after its first record. One unref'd timer is armed for the
 *   earliest deadline; since lingerMs is the same for every batch, the oldest open batch (first in
 *   the Map's insertion order) always has the earliest deadline.
 */
import type { Budget } from './budget.js'
import type { Attempt, Result } from './types.js'
import type { AttemptLog } from './result.js'
import { MAX_TIMER_MS } from './time.js'
import { monotonicNow, type Clock, type Destination, type SealedBatch, type TimerHandle, type Wire } from './transport.js'

export type RecordCallback = (result: Result) => void

const EMPTY = new Uint8Array(0)
const EMPTY_BUFFER = Buffer.alloc(0)
const MIN_CAPACITY = 4096
/**
 * Memory bound with many destinations. An open batch holds memory besides its records' bytes (the
 * budget's unit): its entry buffer, allocated ahead of the records, and its own objects. With a few
 * destinations that is a small constant, so while fewer than FREE_BATCHES batches are open a new one
 * is not charged for it (nor, then, are small budgets or the usual single destination). Beyond that,
 * a new batch is charged its buffer plus BATCH_OVERHEAD_BYTES until it settles, and starts with a
 * MIN_CAPACITY buffer rather than a pooled full-size one: 30,000 destinations with one small record
 * each held ~100× a 1 MiB totalSizeInBytes before this.
 */
export const FREE_BATCHES = 16
/** The batch object, its buffer's own object, its place in the open-batch map: ~0.6–0.8 KiB measured, rounded up. */
export const BATCH_OVERHEAD_BYTES = 1024
/** Full-size entry buffers kept for reuse once their batch's body is built (see releaseEntries). */
const POOL_MAX = 4

/**
 * Entry buffers of one size (maxBatchSize) handed back by batches whose bodies are built: a busy
 * producer then fills recycled memory instead of allocating and growing a new buffer per batch,
 * which spared the garbage collector most of its work in the benchmark (bench/RESULTS.md).
 */
export class BufferPool {
  readonly size: number
  private readonly free: Buffer[] = []

  constructor (size: number) {
    this.size = size
  }

  take (): Buffer | undefined {
    return this.free.pop()
  }

  give (buf: Buffer): void {
    if (buf.length === this.size && this.free.length < POOL_MAX) this.free.push(buf)
  }
}

/** One batch from its first record until it is settled. */
export class ProducerBatch implements SealedBatch, AttemptLog {
  readonly destination: Destination
  /** Sequence number in creation order; flush() waits for every batch up to a number. */
  readonly id: number
  /** When lingerMs runs out, on the monotonic clock (see monotonicNow in transport.ts). */
  readonly deadline: number
  buf: Buffer
  length = 0
  /** The sealed entries (a view of buf); empty while open. */
  entries: Uint8Array = EMPTY
  logCount = 0
  minTimeMs = Infinity
  maxTimeMs = -Infinity
  bodyBytes: number
  cache?: unknown
  /** Callbacks of the records that gave one; null when none did. */
  callbacks: RecordCallback[] | null = null
  attempts: Attempt[] | null = null
  attemptCount = 0
  /** Attempts that do not count against `retries`: sends again with renewed credentials (see Sender). */
  freeAttempts = 0
  /** The attempt in flight or queued is such a send again (one per refusal, never two in a row). */
  renewing = false
  /** When a scheduled retry is due, on the monotonic clock; index in the retry heap. */
  retryDue = 0
  heapIndex = -1
  sealed = false
  settled = false
  /** Budget bytes this batch holds besides its records' (see FREE_BATCHES); released when it settles. */
  readonly charged: number
  private readonly pool: BufferPool | undefined

  constructor (destination: Destination, id: number, deadline: number, capacity: number, emptyBodyBytes: number, pool?: BufferPool, charged = 0) {
    this.destination = destination
    this.id = id
    this.deadline = deadline
    this.pool = pool
    this.charged = charged
    // A charged batch keeps to the small buffer it paid for; a pooled one would be full-size.
    const pooled = pool !== undefined && charged === 0 && capacity <= pool.size ? pool.take() : undefined
    this.buf = pooled ?? Buffer.allocUnsafe(capacity)
    this.bodyBytes = emptyBodyBytes
  }

  append (entry: Uint8Array, timeMs: number, bodyBytes: number, callback: RecordCallback | undefined): void {
    const end = this.length + entry.length
    if (end > this.buf.length) {
      let capacity = this.buf.length * 2
      while (capacity < end) capacity *= 2
      // Grow to the pool's size rather than past it, so the buffer can be reused afterwards.
      const cap = this.pool?.size ?? Infinity
      if (capacity > cap && end <= cap) capacity = cap
      const grown = Buffer.allocUnsafe(capacity)
      this.buf.copy(grown, 0, 0, this.length)
      this.buf = grown
    }
    this.buf.set(entry, this.length)
    this.length = end
    this.logCount++
    if (timeMs < this.minTimeMs) this.minTimeMs = timeMs
    if (timeMs > this.maxTimeMs) this.maxTimeMs = timeMs
    this.bodyBytes = bodyBytes
    if (callback !== undefined) {
      if (this.callbacks === null) this.callbacks = [callback]
      else this.callbacks.push(callback)
    }
  }

  seal (): void {
    this.sealed = true
    this.entries = this.buf.subarray(0, this.length)
  }

  /** The wire has built and cached the body: the entry memory goes back to the pool. `length` stays. */
  releaseEntries (): void {
    if (!this.sealed || this.buf === EMPTY_BUFFER) return
    const buf = this.buf
    this.buf = EMPTY_BUFFER
    this.entries = EMPTY
    this.pool?.give(buf)
  }
}

export interface AccumulatorOptions {
  maxBatchSize: number
  maxBatchCount: number
  lingerMs: number
}

export class Accumulator {
  private readonly open = new Map<string, ProducerBatch>()
  private readonly wire: Wire
  private readonly clock: Clock
  private readonly options: AccumulatorOptions
  private readonly onSealed: (batch: ProducerBatch) => void
  private timer: TimerHandle | undefined
  private nextId = 1
  private readonly pool: BufferPool
  private readonly budget: Budget

  constructor (wire: Wire, clock: Clock, options: AccumulatorOptions, budget: Budget, onSealed: (batch: ProducerBatch) => void) {
    this.wire = wire
    this.clock = clock
    this.options = options
    this.budget = budget
    this.onSealed = onSealed
    this.pool = new BufferPool(Math.max(MIN_CAPACITY, options.maxBatchSize))
  }

  /** What a new batch for an entry of `size` bytes is charged when FREE_BATCHES are open already. */
  static batchCharge (size: number): number {
    return Math.max(MIN_CAPACITY, size) + BATCH_OVERHEAD_BYTES
  }

  /** Open batches. */
  get size (): number {
    return this.open.size
  }

  /** The id the next batch will get; every batch created so far has a smaller one. */
  get lastId (): number {
    return this.nextId - 1
  }

  /**
   * Appends one encoded entry (copied: `entry` may be the wire's scratch memory). Returns false, with
   * nothing changed, when the entry needs a new batch whose charge (see FREE_BATCHES) the budget
   * cannot hold. `prepaid`: bytes the caller already reserved for that charge (batchCharge of the
   * entry's size, or 0); whatever is not used of them is released here.
   */
  append (dest: Destination, entry: Uint8Array, timeMs: number, callback: RecordCallback | undefined, prepaid = 0): boolean {
    const { maxBatchSize, maxBatchCount } = this.options
    const key = dest.key
    let batch = this.open.get(key)
    let full: ProducerBatch | undefined
    let body = 0
    if (batch !== undefined) {
      body = this.wire.bodySize(dest, batch.length + entry.length)
      if (body > maxBatchSize) {
        // Removed from the open map only once the new batch exists (append may still refuse).
        full = batch
        batch = undefined
      }
    }
    let charged = 0
    if (batch === undefined && this.open.size >= FREE_BATCHES) {
      charged = Accumulator.batchCharge(entry.length)
      if (prepaid < charged && !this.budget.tryReserve(charged - prepaid)) return false
      prepaid -= Math.min(prepaid, charged)
    }
    if (prepaid > 0) this.budget.release(prepaid)
    if (batch === undefined) {
      body = this.wire.bodySize(dest, entry.length)
      const capacity = charged > 0
        ? charged - BATCH_OVERHEAD_BYTES
        : Math.max(MIN_CAPACITY, Math.min(maxBatchSize, entry.length * 16), entry.length)
      batch = new ProducerBatch(dest, this.nextId++, monotonicNow(this.clock) + this.options.lingerMs, capacity, body - entry.length, this.pool, charged)
      // Deleted first, so that the new batch goes to the end of the map's order (see linger above).
      if (full !== undefined) this.open.delete(key)
      this.open.set(key, batch)
      if (this.timer === undefined) this.arm(batch.deadline)
    }
    // Copy the entry before anything is handed to the wire: sending may reuse the wire's scratch memory.
    batch.append(entry, timeMs, body, callback)
    // Decided before anything is dispatched: dispatching runs user code (channel subscribers,
    // diagnostic listeners) that may send() again for this destination, and must then find the
    // open batch as it is now, never one about to be sealed behind its back.
    const sealNew = batch.logCount >= maxBatchCount || body >= maxBatchSize
    if (sealNew) this.open.delete(key)
    if (full !== undefined) this.dispatch(full)
    if (sealNew) this.dispatch(batch)
    return true
  }

  /** Seals every open batch now (flush, close, exit). */
  sealAll (): void {
    // Only the batches open now. Sealing runs user code (channel subscribers, diagnostic listeners)
    // that may send() again: walking the live map would seal the batch that opens, whose seal sends
    // again, and so on, for ever inside one flush(). A batch opened meanwhile waits for its linger.
    const batches = [...this.open.values()]
    for (const batch of batches) this.sealBatch(batch)
    this.disarm()
    const oldest = this.open.values().next()
    if (oldest.done !== true) this.arm(oldest.value.deadline)
  }

  /** Drops every open batch without sealing it; returns them (destroy). */
  takeAll (): ProducerBatch[] {
    const batches = [...this.open.values()]
    this.open.clear()
    this.disarm()
    return batches
  }

  private sealBatch (batch: ProducerBatch): void {
    const key = batch.destination.key
    if (this.open.get(key) === batch) this.open.delete(key)
    this.dispatch(batch)
  }

  private dispatch (batch: ProducerBatch): void {
    // Sealed once, sent once, whatever user code re-entered in between.
    if (batch.sealed) return
    batch.seal()
    this.onSealed(batch)
  }

  private arm (due: number): void {
    this.timer = this.clock.setTimeout(this.onTimer, Math.min(MAX_TIMER_MS, Math.max(1, due - monotonicNow(this.clock))))
  }

  private disarm (): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer)
      this.timer = undefined
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    const now = monotonicNow(this.clock)
    for (const batch of this.open.values()) {
      // Insertion order is deadline order; real timers may fire a hair early, hence the 1 ms slack.
      if (batch.deadline > now + 1) {
        this.arm(batch.deadline)
        return
      }
      this.sealBatch(batch)
    }
  }
}
