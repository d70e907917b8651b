/**
 * The winston transport. `log()` maps the info object and hands the record to the sink at once,
 * so a slow or dead backend never stalls the logger or its other transports. Delivery is tied to
 * winston's lifecycle: `_final` (run by `logger.end()`) closes the producer before 'finish';
 * 'unpipe' (`logger.close()`, `logger.remove()`) closes it too, unless the transport is piped again
 * in the same tick (`logger.configure()` given this transport again); worker mode also delivers on
 * `process.exit()` and uncaught exceptions. Producer events are re-emitted on the transport;
 * delivery problems never become 'error' events.
 */
import WinstonTransport from 'winston-transport'
import { pipeDiagnostics, UserCodeGuard } from '@logship/producer'
import type { CloseSummary, Credentials, ProducerStats } from '@logship/producer'
import { mapInfo, UNSERIALIZABLE } from './mapping.js'
import type { MappedRecord, MappingOptions } from './mapping.js'
import { splitOptions } from './options.js'
import type { LogshipTransportOptions } from './options.js'
import { InProcessSink } from './in-process.js'
import { WorkerSink } from './worker/client.js'
import type { Sink, TransportEventName } from './sink.js'

const LEVEL = Symbol.for('level')
// winston-transport's typings are `export =`: declarations that default-import it need the user's
// esModuleInterop. Typed through a type query, the base class is declared as
// `typeof import('winston-transport')`, which compiles with and without it, in CommonJS and ESM.
const TransportStream: typeof import('winston-transport') = WinstonTransport

export class LogshipTransport extends TransportStream {
  /** 'worker' (default) or 'in-process'. */
  readonly mode: 'worker' | 'in-process'
  readonly #sink: Sink
  readonly #mapping: MappingOptions
  #closing: Promise<CloseSummary> | undefined
  /** Records taken by log(): the diagnostics loop guard checks it does not move while a diagnostic is written. */
  #logged = 0
  /** winston-transport's: the piping logger's levels and the logger itself (absent from its typings). */
  declare levels: Record<string, number> | undefined
  declare parent: unknown

  constructor (options: LogshipTransportOptions) {
    const split = splitOptions(options)
    super(split.transport)
    // winston-transport takes the logger's levels on 'pipe' and closes on 'unpipe', with once()
    // listeners (its only listeners of these events). logger.configure() unpipes every transport
    // and then pipes the ones it is given, synchronously: passed again, this transport was closed
    // for good, and piped back it would not take the new levels, nor close on a later
    // logger.close(). Listeners that hold for every pipe replace them, and the close waits one
    // tick: a transport piped again by then is still in use and stays open. As before, the first
    // logger that pipes to it is its parent until it unpipes (a transport shared by loggers).
    this.removeAllListeners('pipe')
    this.removeAllListeners('unpipe')
    this.on('pipe', (logger: { levels?: Record<string, number> }) => {
      if (this.parent != null) return
      this.levels = logger.levels
      this.parent = logger
    })
    this.on('unpipe', (logger: unknown) => {
      if (logger !== this.parent) return
      this.parent = null
      process.nextTick(() => {
        if (this.parent === null) void this.close()
      })
    })
    this.#mapping = { nested: split.nested }
    // A listener that throws must not break delivery bookkeeping in the sink, nor keep the
    // listeners after it from running: each is called guarded, and the first throw (or rejected
    // promise) is reported once as a LOGSHIP_USER_CODE_THREW process warning, as the producer does.
    const userCode = new UserCodeGuard()
    const emit = (name: TransportEventName, arg: unknown): void => { userCode.emit(this, name, arg) }
    this.#sink = split.worker
      ? new WorkerSink(split.producer, split.closeTimeoutMs, emit)
      : new InProcessSink(split.producer, split.closeTimeoutMs, emit)
    this.mode = this.#sink.mode
    const sink = this.#sink
    if (sink.listen !== undefined) {
      // 'newListener' comes before the listener is added, and before any record logged after it.
      this.on('newListener', (name: string | symbol) => sink.listen!(name))
    }
    // Worker mode: the worker's diagnostics reach the user's logger here, on the logging thread.
    if (split.diagnosticsLogger !== undefined) {
      pipeDiagnostics(this, split.diagnosticsLogger, { format: split.producer.diagnostics?.format, accepted: () => this.#logged })
    }
  }

  override log (info: Record<string | symbol, unknown>, callback: () => void): void {
    this.#logged++
    const sink = this.#sink
    if (sink.writeInfo === undefined || !sink.writeInfo(info)) {
      sink.write(toRecord(info, this.#mapping))
      // An uncaught exception's or unhandled rejection's record: winston exits soon; start
      // delivering now, the exit path waits for the rest. (The shape form takes only string
      // fields, so a record it took carries no `exception: true`: the check is needed only here.)
      if (info.exception === true || info.rejection === true) sink.kick()
    }
    if (this.listenerCount('logged') > 0) setImmediate(emitLogged, this, info)
    callback()
  }

  /** Delivers everything logged so far, without ending the transport. Never rejects. */
  flush (): Promise<void> {
    return this.#sink.flush()
  }

  /**
   * Delivers what is buffered (bounded by closeTimeoutMs) and releases the producer. Idempotent;
   * called one tick after 'unpipe' (`logger.close()`, `logger.remove(transport)`). Never rejects.
   */
  override close (): Promise<CloseSummary> {
    this.#closing ??= this.#sink.close()
    return this.#closing
  }

  /** The producer's counters (in worker mode, as last published by the worker). */
  stats (): ProducerStats {
    return this.#sink.stats()
  }

  /** Replaces the credentials from the next request on (STS rotation). */
  setCredentials (credentials: Credentials): void {
    this.#sink.setCredentials(credentials)
  }

  /** `logger.end()` → the logger's 'finish' waits for this transport's 'finish', which waits for this. */
  override _final (callback: (error?: Error | null) => void): void {
    this.close().then(() => callback(), () => callback())
  }
}

function emitLogged (transport: LogshipTransport, info: unknown): void {
  transport.emit('logged', info)
}

function toRecord (info: Record<string | symbol, unknown>, mapping: MappingOptions): MappedRecord {
  try {
    return mapInfo(info, Date.now(), mapping)
  } catch {
    // A Proxy whose traps throw while its keys are listed (a throwing getter costs only its own
    // field, see mapInfo): keep what is certain.
    const level = info[LEVEL]
    return { time: Date.now(), contents: { level: typeof level === 'string' ? level : 'unknown', message: UNSERIALIZABLE } }
  }
}
