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
import { markTruncated } from './long-line.js'

export interface LineHandlers {
  /**
   * One line, without its newline (and without a trailing \r). Never called for a blank line (empty,
   * or only whitespace). A line over MAX_LINE_CHARS comes here as its head with a truncation marker,
   * unless there is a cut() handler.
   */
  line (text: string): void
  /**
   * Optional, used instead of line(): the line is `text.slice(start, end)`, given without making
   * the slice. `fresh` is false when `text` is the string of the previous call (a later line of
   * the same chunk).
   */
  range?: (text: string, start: number, end: number, fresh: boolean) => void
  /**
   * Optional: a line longer than MAX_LINE_CHARS, of which only `head` (at most HEAD_BYTES of UTF-8,
   * cut on a character boundary) was kept; the `dropped` bytes of UTF-8 after it (to the newline,
   * without a trailing \r) were read and discarded. Called once per such line, in line order.
   */
  cut?: (head: string, dropped: number) => void
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
/**
 * The longest line read whole, in UTF-16 characters (16 MiB of ASCII). A line up to this is mapped
 * as any other (the producer then cuts its largest values to the service's 1 MiB per-log limit, the
 * other fields kept): well above what pino writes for even a large logged object, and above the
 * 10 MB values the hostile-input tests log. Beyond it, holding the line would let one runaway
 * write (a dumped buffer, binary garbage, a stream without newlines) grow the worker without bound:
 * the reader keeps the line's head, discards the rest up to the next newline, and hands one cut
 * line. Memory for a pending line is bounded by this (twice it for non-Latin-1 text), about what the
 * application itself allocated to write such a line.
 */
export const MAX_LINE_CHARS = 16 * 1024 * 1024
/**
 * What is kept of a line over MAX_LINE_CHARS, in bytes of UTF-8: enough to see what the line was,
 * and with the marker and a few fields well inside the services' 1 MiB per-log limit, so the
 * producer ships it without cutting it again.
 */
export const HEAD_BYTES = 512 * 1024
const LF = '\n'
const CR = 0x0d
const TAB = 0x09
const SPACE = 0x20
const NON_ASCII = 0x80
const NBSP = 0xa0
const HIGH_SURROGATE = 0xd800
const LOW_SURROGATE = 0xdc00
const WHITESPACE = /\s/

type WriteCallback = (error: Error | null | undefined) => void

export class LineStream extends Writable {
  #handlers: LineHandlers
  // The start of a line not ended yet, as the pieces read (usually one, the end of the last chunk):
  // kept apart rather than concatenated, so that cutting a line over MAX_LINE_CHARS reads its head
  // and its byte length from the pieces and never makes one flat copy of them all.
  #pending: string[] = []
  #pendingChars = 0
  // A line over MAX_LINE_CHARS being discarded: the head kept, the UTF-8 bytes dropped so far, and
  // whether the last character dropped was a CR (not counted if the newline follows, as for other lines).
  #cutHead: string | undefined
  #cutBytes = 0
  #cutCR = false
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
    if (this.#cutHead !== undefined) this.#endCut()
    if (this.#pendingChars !== 0) this.#line(this.#takePending())
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
    // One check per chunk: only a chunk that could complete a line over MAX_LINE_CHARS, or that
    // arrives while such a line is discarded, takes the slow path. No line of this chunk is longer.
    if (this.#cutHead !== undefined || this.#pendingChars + text.length > MAX_LINE_CHARS) {
      this.#splitLong(text)
      return
    }
    let nl = text.indexOf(LF)
    if (nl === -1) {
      this.#hold(text)
      return
    }
    let start = 0
    if (this.#pendingChars !== 0) {
      this.#line(this.#takePending() + text.slice(0, nl))
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
    if (start < text.length) this.#hold(text.slice(start))
  }

  /** #split for a chunk that may hold (the end of) a line over MAX_LINE_CHARS: line by line. */
  #splitLong (text: string): void {
    let start = 0
    for (;;) {
      const nl = text.indexOf(LF, start)
      const end = nl === -1 ? text.length : nl
      if (this.#cutHead !== undefined) {
        this.#drop(text, start, end)
      } else if (this.#pendingChars + end - start > MAX_LINE_CHARS) {
        this.#startCut(text, start, end)
      } else if (nl === -1) {
        if (end > start) this.#hold(text.slice(start))
      } else {
        this.#line(this.#takePending() + text.slice(start, end))
      }
      if (nl === -1) return
      if (this.#cutHead !== undefined) this.#endCut()
      start = nl + 1
    }
  }

  /**
   * The line so far (the pending text, then `text` from `start` to `end`) is over MAX_LINE_CHARS:
   * keep its head and count the rest as dropped.
   */
  #startCut (text: string, start: number, end: number): void {
    const segment = text.slice(start, end)
    // HEAD_BYTES characters hold at least HEAD_BYTES bytes of UTF-8. The pending text is at most
    // MAX_LINE_CHARS, so the segment reaches past them whenever the pending text is shorter.
    let head = ''
    let total = Buffer.byteLength(segment)
    for (const piece of this.#pending) {
      total += Buffer.byteLength(piece)
      if (head.length < HEAD_BYTES) head += piece.slice(0, HEAD_BYTES - head.length)
    }
    if (head.length < HEAD_BYTES) head += segment.slice(0, HEAD_BYTES - head.length)
    const last = segment !== '' ? segment : this.#pending[this.#pending.length - 1]
    this.#pending.length = 0
    this.#pendingChars = 0
    this.#cutHead = utf8Head(head, HEAD_BYTES)
    this.#cutBytes = total - Buffer.byteLength(this.#cutHead)
    this.#cutCR = last.charCodeAt(last.length - 1) === CR
  }

  #drop (text: string, start: number, end: number): void {
    if (end === start) return
    this.#cutBytes += Buffer.byteLength(text.slice(start, end))
    this.#cutCR = text.charCodeAt(end - 1) === CR
  }

  #endCut (): void {
    const head = this.#cutHead ?? ''
    const dropped = this.#cutBytes - (this.#cutCR ? 1 : 0)
    this.#cutHead = undefined
    this.#cutBytes = 0
    this.#cutCR = false
    const cut = this.#handlers.cut
    if (cut !== undefined) cut(head, dropped)
    else this.#handlers.line(markTruncated(head, dropped))
  }

  #hold (text: string): void {
    this.#pending.push(text)
    this.#pendingChars += text.length
  }

  /** The pending text as one string (usually its only piece), emptied. */
  #takePending (): string {
    const pending = this.#pending
    const text = pending.length === 1 ? pending[0] : pending.join('')
    pending.length = 0
    this.#pendingChars = 0
    return text
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

/** The longest start of `text` of at most `maxBytes` bytes of UTF-8, cut on a character boundary. */
function utf8Head (text: string, maxBytes: number): string {
  // A high surrogate at the end lost its pair to the cut: alone it would become U+FFFD.
  const last = text.charCodeAt(text.length - 1)
  if (last >= HIGH_SURROGATE && last < LOW_SURROGATE) text = text.slice(0, -1)
  if (Buffer.byteLength(text) <= maxBytes) return text
  const bytes = Buffer.from(text)
  let keep = maxBytes
  // Back to the first byte of the character that does not fit (continuation bytes are 10xxxxxx).
  while (keep > 0 && (bytes[keep] & 0xc0) === 0x80) keep--
  return bytes.toString('utf8', 0, keep)
}
