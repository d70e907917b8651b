/**
 * The transport's stream: a Writable that takes pino's NDJSON in chunks of any size, splits them
 * on newlines itself and hands each line to a synchronous handler. In a worker, thread-stream
 * writes whatever the main thread has put in the shared buffer (up to 4 MB) in one write(), so
 * the per-line cost is one indexOf, not a stream event per line as with split2; a handler that
 * takes ranges (the transport's) gets each line as (chunk, start, end), without a slice.
 *
 * write() never waits on the network: lines go straight into the producer, which drops and
 * counts when its buffer is full. That keeps the worker draining, so pino's main thread never
 * accumulates an unbounded backlog behind a slow endpoint.
 */
import { Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'

export interface LineHandlers {
  /**
   * One line, without its newline (and without a trailing \r). Never called for a blank line (empty,
   * or only whitespace).
   */
  line (text: string): void
  /**
   * Optional, used instead of line(): the line is `text.slice(start, end)`, given without making
   * the slice. `fresh` is false when `text` is the string of the previous call (a later line of
   * the same chunk).
   */
  range?: (text: string, start: number, end: number, fresh: boolean) => void
  /** Everything handed to line() so far is settled. */
  flush (): Promise<void>
  /** No more lines: deliver what is buffered (bounded) and release resources. Called once. */
  close (err: Error | null): Promise<void>
  /**
   * Optional: a chunk written after end() (or destroy), which the stream no longer takes. Without
   * this handler such a write fails as on any Writable (an 'error' event).
   */
  late?: (chunk: string | Buffer) => void
}

// Larger than thread-stream's 4 MB shared buffer, so a write() from the worker loop returns true
// and the loop continues without waiting for a 'drain' tick.
const HIGH_WATER_MARK = 16 * 1024 * 1024
// A "line" that never ends (binary garbage, a missing newline) is shipped in pieces of this size
// rather than held forever; the producer truncates each piece to the service's per-log limit.
const MAX_PENDING_CHARS = 4 * 1024 * 1024
const LF = '\n'
const CR = 0x0d
const TAB = 0x09
const SPACE = 0x20
const NON_ASCII = 0x80
const NBSP = 0xa0
const WHITESPACE = /\s/

type WriteCallback = (error: Error | null | undefined) => void

export class LineStream extends Writable {
  #handlers: LineHandlers
  #pending = ''
  #decoder: StringDecoder | undefined
  #closing: Promise<void> | undefined

  constructor (handlers: LineHandlers) {
    super({ decodeStrings: false, highWaterMark: HIGH_WATER_MARK, autoDestroy: true, emitClose: true })
    this.#handlers = handlers
  }

  /**
   * A Writable reports a write after end() as an 'error' (ERR_STREAM_WRITE_AFTER_END), and
   * in-process pino writes every record straight here: a record logged after close() would become
   * an 'error' on the logger's stream, which crashes the process when nobody listens. With a
   * `late` handler the chunk goes to it instead, and the write returns false (not taken).
   */
  override write (chunk: string | Buffer, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    if ((this.writableEnded || this.destroyed) && this.#handlers.late !== undefined) {
      this.#handlers.late(chunk)
      // Not an error: what became of the chunk is the late handler's to report.
      const done = typeof encoding === 'function' ? encoding : callback
      if (done !== undefined) process.nextTick(done, null)
      return false
    }
    return super.write(chunk, encoding as BufferEncoding, callback)
  }

  override _write (chunk: string | Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#split(typeof chunk === 'string' ? chunk : this.#decode(chunk))
    callback()
  }

  override _final (callback: (error?: Error | null) => void): void {
    if (this.#decoder !== undefined) this.#split(this.#decoder.end())
    this.#takePending()
    this.#close(null).then(() => callback(), callback)
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    this.#close(error).then(() => callback(error), () => callback(error))
  }

  // end() runs _final and then, with autoDestroy, _destroy: close once.
  #close (error: Error | null): Promise<void> {
    this.#closing ??= this.#handlers.close(error)
    return this.#closing
  }

  /**
   * Resolves when every line written before the call is delivered or has finally failed.
   * With a callback (pino's `logger.flush(cb)` in-process), calls it instead and returns nothing;
   * thread-stream ≥4.1 calls this on `logger.flush(cb)` in the main thread.
   */
  flush (callback?: (error?: Error | null) => void): Promise<void> | undefined {
    const done = this.#handlers.flush()
    if (typeof callback !== 'function') return done
    done.then(() => callback(), callback)
    return undefined
  }

  #decode (chunk: Buffer): string {
    this.#decoder ??= new StringDecoder('utf8')
    return this.#decoder.write(chunk)
  }

  #split (text: string): void {
    let nl = text.indexOf(LF)
    if (nl === -1) {
      this.#pending += text
      if (this.#pending.length >= MAX_PENDING_CHARS) this.#takePending()
      return
    }
    let start = 0
    if (this.#pending !== '') {
      const first = this.#pending + text.slice(0, nl)
      this.#pending = ''
      this.#line(first)
      start = nl + 1
      nl = text.indexOf(LF, start)
    }
    const range = this.#handlers.range
    if (range !== undefined) {
      // Lines as ranges of the chunk: no slice per line (thread-stream hands flat strings).
      let fresh = true
      while (nl !== -1) {
        const end = nl > start && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl
        // A pino line starts with '{': its first character settles that it is not blank. An empty
        // line (its first character is the CR or LF) or one starting with whitespace or non-ASCII
        // is looked at further.
        const c = text.charCodeAt(start)
        if ((c > SPACE && c < NON_ASCII) || !blank(text, start, end)) {
          range(text, start, end, fresh)
          fresh = false
        }
        start = nl + 1
        nl = text.indexOf(LF, start)
      }
    } else {
      while (nl !== -1) {
        if (nl > start) this.#line(text.slice(start, nl))
        start = nl + 1
        nl = text.indexOf(LF, start)
      }
    }
    if (start < text.length) this.#pending = text.slice(start)
  }

  #takePending (): void {
    const rest = this.#pending
    this.#pending = ''
    if (rest !== '') this.#line(rest)
  }

  #line (text: string): void {
    const line = text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text
    const c = line.charCodeAt(0)
    if (!(c > SPACE && c < NON_ASCII) && blank(line, 0, line.length)) return
    const range = this.#handlers.range
    if (range !== undefined) range(line, 0, line.length, true)
    else this.#handlers.line(line)
  }
}

/**
 * Whether `text` from `start` to `end` is empty or only whitespace (what String#trim removes, as the
 * mapping does before it reads a line): such a line carries no log. Returns at the first other character.
 */
function blank (text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === SPACE || (c >= TAB && c <= CR)) continue
    if (c < NBSP || !WHITESPACE.test(text[i])) return false
  }
  return true
}
