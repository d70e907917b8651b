/**
 * A scriptable Wire for engine tests. encodeLog writes a deterministic JSON line into a scratch
 * buffer that it overwrites on every call (so an engine that forgets to copy is caught);
 * bodySize = entries + a constant overhead; send() answers from a script, a function, or manually.
 */
import { HttpError, NetworkError } from '../../../packages/producer/src/errors.js'
import { resolveOptions, type ResolvedOptions } from '../../../packages/producer/src/options.js'
import type { AttemptOutcome, Destination, SealedBatch, ServiceLimits, TimeParts, Wire } from '../../../packages/producer/src/transport.js'
import type { ContentsInput, Credentials, ProducerOptions, SendOptions } from '../../../packages/producer/src/types.js'

export interface DecodedLog {
  ms: number
  ns: number
  contents: unknown
}

export interface SentBatch {
  /** The batch object the engine passed (same object on retries). */
  batch: SealedBatch
  /** Index of this call among all send() calls. */
  call: number
  /** Clock time of the call (when the fake was given a clock). */
  at: number
  bodyBytes: number
  logCount: number
  key: string
  logs: DecodedLog[]
}

export type Script = AttemptOutcome | 'hang' | ((sent: SentBatch) => AttemptOutcome | Promise<AttemptOutcome>)

export interface FakeWireOptions {
  /** bodySize = entriesBytes + overhead. */
  overhead?: number
  limits?: Partial<ServiceLimits>
  now?: () => number
}

export const ok = (requestId = 'req-ok'): AttemptOutcome => ({ ok: true, status: 200, requestId })

export function retriable (status = 503, retryAfterMs?: number): AttemptOutcome {
  const error = status === 0
    ? new NetworkError('ECONNRESET', 'socket hang up')
    : new HttpError(status, 'ServiceUnavailable', 'try later', `req-${status}`, true)
  return { ok: false, retriable: true, status, errorCode: status === 0 ? 'ECONNRESET' : 'ServiceUnavailable', errorMessage: 'try later', requestId: status === 0 ? '' : `req-${status}`, retryAfterMs, error }
}

export function final (status = 400, errorCode = 'InvalidArgument'): AttemptOutcome {
  return { ok: false, retriable: false, status, errorCode, errorMessage: 'bad', requestId: `req-${status}`, error: new HttpError(status, errorCode, 'bad', `req-${status}`, false) }
}

export class FakeWire implements Wire {
  readonly service = 'tls' as const
  readonly limits: ServiceLimits
  readonly overhead: number
  truncated = 0
  sent: SentBatch[] = []
  /** Outcomes consumed in order; when empty, `fallback` answers. */
  script: Script[] = []
  fallback: Script = ok()
  /** Manual mode: send() returns a promise settled by answer(). */
  manual = false
  private manualPending: Array<{ sent: SentBatch, resolve: (o: AttemptOutcome) => void }> = []
  closed = 0
  destroyed = 0
  credentials: Credentials | undefined
  private scratch = Buffer.alloc(1 << 16)
  private readonly now: () => number
  inFlight = 0
  maxInFlight = 0
  /** Batches handed to release(), in order; and how many of them had a send() still unanswered. */
  released: SealedBatch[] = []
  releasedInFlight = 0
  private readonly unansweredBatches = new Set<SealedBatch>()

  constructor (options: FakeWireOptions = {}) {
    this.overhead = options.overhead ?? 10
    this.limits = { maxLogBytes: 1 << 20, maxBodyBytes: 5 << 20, maxLogsPerBatch: 10_000, ...options.limits }
    this.now = options.now ?? Date.now
  }

  destination (overrides: SendOptions | undefined): Destination {
    const topicId = overrides?.topicId ?? 'topic'
    const hashKey = overrides?.hashKey ?? ''
    const source = overrides?.source ?? 'src'
    const filename = overrides?.filename ?? ''
    return { service: 'tls', key: `${topicId}|${hashKey}|${source}|${filename}`, topicId, hashKey, source, filename }
  }

  encodeLog (time: TimeParts, contents: ContentsInput): Uint8Array {
    const text = JSON.stringify({ t: [time.ms, time.subMsNs], c: contents }) + '\n'
    const n = Buffer.byteLength(text)
    if (n > this.scratch.length) this.scratch = Buffer.alloc(n * 2)
    // Dirty the whole previous view first: a caller still holding it sees garbage.
    this.scratch.fill(0x23)
    this.scratch.write(text, 0)
    return this.scratch.subarray(0, n)
  }

  bodySize (_dest: Destination, entriesBytes: number): number {
    return entriesBytes + this.overhead
  }

  send (batch: SealedBatch): Promise<AttemptOutcome> {
    const text = Buffer.from(batch.entries).toString()
    const logs = text.split('\n').filter((l) => l !== '').map((line) => {
      const parsed = JSON.parse(line) as { t: [number, number], c: unknown }
      return { ms: parsed.t[0], ns: parsed.t[1], contents: parsed.c }
    })
    const sent: SentBatch = { batch, call: this.sent.length, at: this.now(), bodyBytes: batch.bodyBytes, logCount: batch.logCount, key: batch.destination.key, logs }
    this.sent.push(sent)
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    // A batch has at most one send() unanswered: the engine sends it again only after an answer.
    this.unansweredBatches.add(batch)
    const done = (o: AttemptOutcome): AttemptOutcome => {
      this.inFlight--
      this.unansweredBatches.delete(batch)
      return o
    }
    if (this.manual) {
      return new Promise((resolve) => this.manualPending.push({ sent, resolve: (o) => resolve(done(o)) }))
    }
    const step = this.script.length > 0 ? this.script.shift() as Script : this.fallback
    if (step === 'hang') return new Promise(() => {})
    if (typeof step === 'function') return Promise.resolve(step(sent)).then(done)
    return Promise.resolve(done(step))
  }

  /** Manual mode: answers the oldest unanswered send (or the one at `index`). */
  answer (outcome: AttemptOutcome = ok(), index = 0): SentBatch {
    const [item] = this.manualPending.splice(index, 1)
    if (item === undefined) throw new Error('no pending send to answer')
    item.resolve(outcome)
    return item.sent
  }

  get unanswered (): number {
    return this.manualPending.length
  }

  /** Every log delivered in send order (all attempts, including retries). */
  allLogs (): DecodedLog[] {
    return this.sent.flatMap((s) => s.logs)
  }

  release (batch: SealedBatch): void {
    this.released.push(batch)
    if (this.unansweredBatches.has(batch)) this.releasedInFlight++
  }

  setCredentials (credentials: Credentials): void {
    this.credentials = credentials
  }

  async close (): Promise<void> {
    this.closed++
  }

  destroy (): void {
    this.destroyed++
  }
}

/** Resolved options for tests; any engine knob can be overridden. */
export function testOptions (overrides: Partial<ProducerOptions> = {}): ResolvedOptions {
  return resolveOptions({
    service: 'tls',
    endpoint: 'http://127.0.0.1:1',
    region: 'cn-beijing',
    accessKeyId: 'AK',
    accessKeySecret: 'SK',
    topicId: 'topic',
    source: 'src',
    flushOnExit: false,
    ...overrides
  }, {})
}
