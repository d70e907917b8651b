/**
 * JSON.parse, except that an integer beyond 2^53 comes back as a bigint, to the last digit. pino
 * writes a BigInt as a bare number (its fallback serializer does), and the line scanner keeps such
 * a number's text; JSON.parse turned 12345678901234567890 into 12345678901234567000, so which of the
 * two a value arrived as depended on unrelated parts of its line (a key the scanner declines, spaces
 * in input pino did not write, the value being inside `err`, `nested: 'flatten'`).
 *
 * JSON.parse still decides what is JSON, and throws as it does. Only text it accepted that holds a
 * run of 16 digits is read a second time, by the reader below, which may therefore assume valid
 * JSON: one that makes the same values JSON.parse makes (own data properties, `__proto__` included;
 * a repeated key keeps its first place and its last value) but reads long integers exactly.
 */

import { numberEnd, stringEnd } from './json-text.js'

// 16 digits can exceed 2^53 (9007199254740992); a run inside a string only costs the second read.
const LONG_DIGITS = /\d{16}/

export function parseJsonExact (text: string): unknown {
  const value = JSON.parse(text) as unknown
  return LONG_DIGITS.test(text) ? new ExactReader(text).value() : value
}

const QUOTE = 0x22

class ExactReader {
  private i = 0
  private readonly text: string

  constructor (text: string) {
    this.text = text
  }

  value (): unknown {
    this.skipSpace()
    switch (this.text.charCodeAt(this.i)) {
      case 0x7b: return this.object()
      case 0x5b: return this.array()
      case QUOTE: return this.string()
      case 0x74: this.i += 4; return true
      case 0x66: this.i += 5; return false
      case 0x6e: this.i += 4; return null
      default: return this.number()
    }
  }

  private object (): Record<string, unknown> {
    const obj: Record<string, unknown> = {}
    if (this.opensEmpty(0x7d)) return obj
    for (;;) {
      this.skipSpace()
      const key = this.string()
      this.skipSpace()
      this.i++ // the colon
      const item = this.value()
      // Assigning `__proto__` would set the prototype; JSON.parse makes it an own property.
      if (key === '__proto__') Object.defineProperty(obj, key, { value: item, enumerable: true, writable: true, configurable: true })
      else obj[key] = item
      this.skipSpace()
      if (this.text.charCodeAt(this.i++) === 0x7d) return obj
    }
  }

  private array (): unknown[] {
    const items: unknown[] = []
    if (this.opensEmpty(0x5d)) return items
    for (;;) {
      items.push(this.value())
      this.skipSpace()
      if (this.text.charCodeAt(this.i++) === 0x5d) return items
    }
  }

  /** Steps over the opening bracket; true, and past the closing one, when nothing is inside. */
  private opensEmpty (close: number): boolean {
    this.i++
    this.skipSpace()
    if (this.text.charCodeAt(this.i) !== close) return false
    this.i++
    return true
  }

  private string (): string {
    const start = this.i
    const close = stringEnd(this.text, start + 1, this.text.length)
    this.i = close + 1
    const content = this.text.slice(start + 1, close)
    return content.includes('\\') ? JSON.parse(this.text.slice(start, close + 1)) as string : content
  }

  private number (): number | bigint {
    const start = this.i
    this.i = numberEnd(this.text, start, this.text.length)
    const token = this.text.slice(start, this.i)
    const n = Number(token)
    // A fraction or an exponent is a number, as JSON.parse reads it, whatever its size.
    return !Number.isSafeInteger(n) && !/[.eE]/.test(token) ? BigInt(token) : n
  }

  private skipSpace (): void {
    for (;;) {
      const c = this.text.charCodeAt(this.i)
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return
      this.i++
    }
  }
}
