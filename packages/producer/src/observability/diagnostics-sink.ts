/**
 * Where diagnostic lines are written: stderr (synchronously, through fd 2, which also works from a
 * worker thread and at exit), or a file rotated by size with N backups and optional gzip, written
 * through `rotating-file-stream`. That library is imported only when a file is configured, so
 * importing the producer stays light; lines written before it is loaded are queued.
 */
import { writeSync } from 'node:fs'
import { basename, dirname, resolve, sep } from 'node:path'
import type { Writable } from 'node:stream'
import type { ResolvedDiagnostics } from '../options.js'
import type { DiagnosticRecord } from '../types.js'

export interface DiagnosticsSink {
  write (record: DiagnosticRecord): void
  close (): Promise<void>
}

const MAX_QUEUED = 10_000
const CLOSE_WAIT_MS = 5000

export function createSink (destination: ResolvedDiagnostics['destination'], format: 'text' | 'json'): DiagnosticsSink | undefined {
  if (destination === 'none') return undefined
  if (destination === 'stderr') {
    return {
      write: (record) => writeStderr(formatRecord(record, format)),
      close: () => Promise.resolve()
    }
  }
  return new FileSink(destination, format)
}

export function writeStderr (line: string): void {
  try {
    writeSync(2, line + '\n')
  } catch {
    // stderr closed: nothing else to do.
  }
}

const BASE_KEYS = new Set(['time', 'level', 'producer', 'msg'])

/** `json`: one JSON object per line. `text`: `time LEVEL logship[name] message key=value …`. */
export function formatRecord (record: DiagnosticRecord, format: 'text' | 'json'): string {
  if (format === 'json') return JSON.stringify(record)
  // One record, one line: a server's multi-line message must not look like several records.
  let line = `${new Date(record.time).toISOString()} ${record.level.toUpperCase().padEnd(5)} logship[${record.producer}] ${record.msg.replace(/\r?\n/g, '\\n')}`
  for (const key of Object.keys(record)) {
    if (BASE_KEYS.has(key)) continue
    const value = record[key]
    const text = String(value)
    line += ` ${key}=${text === '' || /[\s"=]/.test(text) ? JSON.stringify(text) : text}`
  }
  return line
}

/** Opens the file at the first record, so a producer that has nothing to say creates no file. */
class FileSink implements DiagnosticsSink {
  private stream: Writable | undefined
  private queue: string[] | undefined = []
  private failed = false
  private closed = false
  private ready: Promise<void> | undefined
  private readonly format: 'text' | 'json'
  private readonly options: { file: string, maxSizeBytes: number, maxFiles: number, compress: boolean }

  constructor (options: { file: string, maxSizeBytes: number, maxFiles: number, compress: boolean }, format: 'text' | 'json') {
    this.format = format
    this.options = options
  }

  private open (): Promise<void> {
    const options = this.options
    const file = resolve(options.file)
    return import('rotating-file-stream').then(({ createStream }) => {
      let stream: ReturnType<typeof createStream>
      try {
        // Classic logrotate naming: file, file.1(.gz), … file.N(.gz), newest first; N = maxFiles.
        stream = createStream(basename(file), {
          path: dirname(file) + sep,
          size: `${options.maxSizeBytes}B`,
          rotate: options.maxFiles,
          ...(options.compress ? { compress: 'gzip' as const } : {})
        })
      } catch (error) {
        this.fail(`cannot open ${file}: ${(error as Error).message}`)
        return
      }
      stream.on('error', (error: Error) => this.fail(`cannot write ${file}: ${error.message}`))
      stream.on('warning', (error: Error) => writeStderr(`logship: diagnostics file ${file}: ${error.message}`))
      for (const line of this.queue ?? []) stream.write(line)
      this.queue = undefined
      this.stream = stream
    }, (error: Error) => this.fail(`cannot load rotating-file-stream: ${error.message}`))
  }

  write (record: DiagnosticRecord): void {
    if (this.closed) return
    const line = formatRecord(record, this.format) + '\n'
    if (this.failed) writeStderr(line.slice(0, -1))
    else if (this.stream !== undefined) this.stream.write(line)
    else if (this.queue !== undefined && this.queue.length < MAX_QUEUED) this.queue.push(line)
    this.ready ??= this.open()
  }

  async close (): Promise<void> {
    this.closed = true
    if (this.ready === undefined) return
    await this.ready
    const stream = this.stream
    if (stream === undefined) return
    this.stream = undefined
    await new Promise<void>((done) => {
      const timer = setTimeout(done, CLOSE_WAIT_MS)
      timer.unref()
      stream.end(() => { clearTimeout(timer); done() })
    })
  }

  private fail (message: string): void {
    if (this.failed) return
    this.failed = true
    writeStderr(`logship: diagnostics file: ${message}; writing diagnostics to stderr instead`)
    for (const line of this.queue ?? []) writeStderr(line.slice(0, -1))
    this.queue = undefined
  }
}
