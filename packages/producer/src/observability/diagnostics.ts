/**
 * The producer's own diagnostic log: what it did and why (batches, requests, retries with their
 * reason, drops, credential refreshes, the close summary). Each record goes to the producer's
 * `diagnostic` listeners, to the user's logger and to the destination (stderr, a rotated file, or
 * nothing), at or above the configured level. Levels are precomputed booleans, so a disabled level
 * costs the caller one property read. Drops are coalesced: the first is written at once, the rest
 * are summed into one record per DROP_WINDOW_MS, so a full buffer cannot flood the log.
 */
import type { EventEmitter } from 'node:events'
import type { ResolvedDiagnostics } from '../options.js'
import type { DiagnosticRecord, DiagnosticsLogger, DropReason } from '../types.js'
import { UserCodeGuard } from '../user-code.js'
import { createSink, formatRecord, writeStderr, type DiagnosticsSink } from './diagnostics-sink.js'

export type Level = DiagnosticRecord['level']
type Fields = Record<string, string | number | boolean | undefined>

const RANK = { debug: 0, info: 1, warn: 2, error: 3, off: 4 } as const
const DROP_WINDOW_MS = 5000

const DROP_WHY: Record<string, string> = {
  buffer_full: 'the buffer (totalSizeInBytes) is full',
  record_too_large: 'the record alone is larger than totalSizeInBytes',
  closed: 'the producer is closed',
  invalid_record: 'the producer refused the record as invalid'
}

export class Diagnostics {
  readonly debugOn: boolean
  readonly infoOn: boolean
  readonly warnOn: boolean
  readonly errorOn: boolean
  private readonly name: string
  private readonly emitter: EventEmitter
  private readonly sink: DiagnosticsSink | undefined
  private readonly logger: LoggerWriter | undefined
  private dropTimer: ReturnType<typeof setTimeout> | undefined
  private dropCounts: Record<string, number> | undefined
  private dropBytes = 0

  /** Guards the user's listeners and logger; the engine's own, so a throw is reported once per producer. */
  private readonly userCode: UserCodeGuard

  /** Told when a drop window closes without drops (the engine then need not stay registered for exit). */
  private readonly dropWindowClosed: (() => void) | undefined

  /** `accepted` counts records this producer took: it must not move while the logger is called. */
  constructor (options: ResolvedDiagnostics, name: string, emitter: EventEmitter, accepted: () => number, userCode = new UserCodeGuard(), dropWindowClosed?: () => void) {
    this.userCode = userCode
    this.dropWindowClosed = dropWindowClosed
    const rank = RANK[options.level]
    this.debugOn = rank <= RANK.debug
    this.infoOn = rank <= RANK.info
    this.warnOn = rank <= RANK.warn
    this.errorOn = rank <= RANK.error
    this.name = name
    this.emitter = emitter
    const on = rank < RANK.off
    this.sink = on ? createSink(options.destination, options.format) : undefined
    this.logger = on && options.logger !== undefined ? new LoggerWriter(options.logger, accepted, options.format, userCode) : undefined
  }

  debug (event: string, msg: string, fields?: Fields): void {
    if (this.debugOn) this.write('debug', event, msg, fields)
  }

  info (event: string, msg: string, fields?: Fields): void {
    if (this.infoOn) this.write('info', event, msg, fields)
  }

  warn (event: string, msg: string, fields?: Fields): void {
    if (this.warnOn) this.write('warn', event, msg, fields)
  }

  error (event: string, msg: string, fields?: Fields): void {
    if (this.errorOn) this.write('error', event, msg, fields)
  }

  /** `detail`: why the record was refused, when an error says (the first drop of a window shows it). */
  drop (reason: DropReason, count: number, bytes: number, detail?: string): void {
    if (!this.warnOn) return
    if (this.dropCounts === undefined) {
      this.dropCounts = {}
      this.dropBytes = 0
      this.armDropWindow()
      this.write('warn', 'drop', `dropped ${count} record${count === 1 ? '' : 's'}: ${DROP_WHY[reason] ?? reason}` +
        `${detail === undefined ? '' : ` (${detail})`} (further drops are summed up every ${DROP_WINDOW_MS / 1000} s)`,
        detail === undefined ? { reason, count, bytes } : { reason, count, bytes, error: detail })
      return
    }
    this.dropCounts[reason] = (this.dropCounts[reason] ?? 0) + count
    this.dropBytes += bytes
  }

  /** A drop was said at once and the drops after it are being summed up (see summarizeDrops). */
  get dropWindowOpen (): boolean {
    return this.dropCounts !== undefined
  }

  private armDropWindow (): void {
    this.dropTimer = setTimeout(this.endDropWindow, DROP_WINDOW_MS)
    this.dropTimer.unref()
  }

  /**
   * Every DROP_WINDOW_MS while drops go on: one summary line for the window, and the next window
   * opens at once, so sustained drops make one line per window. A window without drops closes,
   * and the next drop is said at once again.
   */
  private readonly endDropWindow = (): void => {
    this.dropTimer = undefined
    const counts = this.dropCounts
    if (counts === undefined) return
    if (Object.keys(counts).length === 0) {
      this.dropCounts = undefined
      this.dropWindowClosed?.()
      return
    }
    this.writeDropSummary(counts)
    this.dropCounts = {}
    this.dropBytes = 0
    this.armDropWindow()
  }

  /** Writes what is pending and releases the destination (a file is flushed and closed). */
  async close (): Promise<void> {
    this.summarizeDrops()
    await this.sink?.close()
  }

  /** Writes the pending drop summary now and closes the window (close, the exit flush). */
  summarizeDrops (): void {
    if (this.dropTimer !== undefined) clearTimeout(this.dropTimer)
    this.dropTimer = undefined
    const counts = this.dropCounts
    this.dropCounts = undefined
    if (counts !== undefined) this.writeDropSummary(counts)
  }

  private writeDropSummary (counts: Record<string, number>): void {
    const reasons = Object.keys(counts)
    if (reasons.length === 0) return
    const total = reasons.reduce((n, r) => n + counts[r], 0)
    const fields: Fields = { count: total, bytes: this.dropBytes }
    for (const r of reasons) fields[r] = counts[r]
    this.write('warn', 'drop', `dropped ${total} more record${total === 1 ? '' : 's'} (${reasons.map((r) => `${r}: ${counts[r]}`).join(', ')})`, fields)
  }

  private write (level: Level, event: string, msg: string, fields: Fields | undefined): void {
    const record: DiagnosticRecord = { time: Date.now(), level, producer: this.name, event, msg }
    if (fields !== undefined) {
      for (const key of Object.keys(fields)) {
        const value = fields[key]
        if (value !== undefined && !(key in record)) record[key] = value
      }
    }
    // Each listener guarded like the engine's events: one that throws does not stop the others,
    // and an async one that rejects is reported instead of ending the process.
    if (this.emitter.listenerCount('diagnostic') > 0) this.userCode.emit(this.emitter, 'diagnostic', record)
    this.logger?.write(record)
    this.sink?.write(record)
  }
}

/**
 * Calls a user's logger with a loop guard. A diagnostic raised while the logger runs is not
 * written to it again (re-entrancy), and if the producer accepted records during the call, the
 * logger ships into this very producer: it is dropped for good and the records go to stderr, with
 * one warning saying so. Without this, each shipped diagnostic would make the next one.
 */
export class LoggerWriter {
  private logger: DiagnosticsLogger | undefined
  private readonly accepted: (() => number) | undefined
  private readonly format: 'text' | 'json'
  private writing = false
  private warned = false

  private readonly userCode: UserCodeGuard

  constructor (logger: DiagnosticsLogger, accepted: (() => number) | undefined, format: 'text' | 'json', userCode = new UserCodeGuard()) {
    this.userCode = userCode
    this.logger = logger
    this.accepted = accepted
    this.format = format
  }

  write (record: DiagnosticRecord): void {
    const logger = this.logger
    if (logger === undefined) {
      writeStderr(formatRecord(record, this.format))
      return
    }
    if (this.writing) return
    this.writing = true
    const before = this.accepted?.()
    try {
      // The user's logger failing (a throw, or an async one whose promise rejects) must never break
      // the producer: reported once as a process warning, like a throwing callback.
      this.userCode.call(() => logger[record.level](record.msg, record), 'the diagnostics logger')
    } finally {
      this.writing = false
    }
    if (before !== undefined && this.accepted?.() !== before) {
      this.logger = undefined
      if (!this.warned) {
        this.warned = true
        writeStderr(formatRecord({
          time: Date.now(),
          level: 'warn',
          producer: record.producer,
          event: 'diagnostics_loop',
          msg: 'diagnostics.logger ships its records into this producer (it is the logger being shipped): diagnostics go to stderr instead'
        }, this.format))
      }
    }
  }
}

/**
 * Writes the `diagnostic` events of a producer, a pino transport stream or a winston transport to
 * a logger in this thread, with the same loop guard when `source.stats()` is available in-thread.
 * Returns a function that stops it. For worker modes, whose diagnostics arrive as events.
 */
export function pipeDiagnostics (source: EventEmitter, logger: DiagnosticsLogger, options: { format?: 'text' | 'json', accepted?: () => number } = {}): () => void {
  const writer = new LoggerWriter(logger, options.accepted, options.format ?? 'text')
  const listener = (record: DiagnosticRecord): void => writer.write(record)
  source.on('diagnostic', listener)
  return () => { source.removeListener('diagnostic', listener) }
}
