/**
 * The pino transport's line reader (LineStream): blank lines, and lines over its limit, with both
 * kinds of handlers the transport may give it (whole lines, or ranges of the chunk).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HEAD_BYTES, LineStream, MAX_LINE_CHARS, type LineHandlers } from '../../packages/pino/src/line-reader.js'

interface Collected {
  stream: LineStream
  lines: string[]
  cuts: Array<{ head: string, dropped: number }>
}

/** A reader whose handler takes whole lines (`line`) or ranges of the chunk (`range`), with or without a cut() handler. */
function collect (kind: 'line' | 'range', withCut = true): Collected {
  const lines: string[] = []
  const cuts: Collected['cuts'] = []
  const handlers: LineHandlers = {
    line: (text) => { lines.push(text) },
    flush: async () => {},
    close: async () => {}
  }
  if (kind === 'range') handlers.range = (text, start, end) => { lines.push(text.slice(start, end)) }
  if (withCut) handlers.cut = (head, dropped) => { cuts.push({ head, dropped }) }
  return { stream: new LineStream(handlers), lines, cuts }
}

async function end (stream: LineStream): Promise<void> {
  await new Promise<void>((resolve) => stream.end(resolve))
}

/** Writes `text` in chunks of `size` characters, or of `size` bytes of its UTF-8 (like stdin, splitting characters). */
function writeChunks (stream: LineStream, text: string, size: number, buffers = false): void {
  if (buffers) {
    const bytes = Buffer.from(text)
    for (let i = 0; i < bytes.length; i += size) stream.write(bytes.subarray(i, i + size))
    return
  }
  for (let i = 0; i < text.length; i += size) stream.write(text.slice(i, i + size))
}

const marker = (dropped: number): string => `…[truncated ${dropped} bytes]`
/** Long lines by their length, so that a failed comparison does not print megabytes. */
const short = (lines: string[]): string[] => lines.map((l) => l.length > 100 ? `<${l.length} chars>` : l)

for (const kind of ['line', 'range'] as const) {
  describe(`LineStream, ${kind} handler`, () => {
    it('skips whitespace-only lines like empty and CR-only ones, in a chunk and across chunks', async () => {
      const { stream, lines } = collect(kind)
      stream.write('{"a":1}\n   \n\t\t\n \r\n\r\n\n\u00a0\u3000\ufeff\n  {"b":2}\n')
      stream.write('  ')
      stream.write('\t\n{"c":3}\n \t')
      await end(stream)
      assert.deepEqual(lines, ['{"a":1}', '  {"b":2}', '{"c":3}'])
    })

    it('hands a line of MAX_LINE_CHARS whole, in one write and in chunks', async () => {
      const line = '{"big":"' + 'x'.repeat(MAX_LINE_CHARS - 10) + '"}'
      assert.equal(line.length, MAX_LINE_CHARS)
      const { stream, lines, cuts } = collect(kind)
      stream.write(line + '\n')
      writeChunks(stream, line + '\nnext\n', 64 * 1024, true)
      await end(stream)
      assert.equal(cuts.length, 0)
      assert.equal(lines.length, 3)
      assert.ok(lines[0] === line && lines[1] === line, 'whole')
      assert.equal(lines[2], 'next')
    })

    it('cuts a longer line to its head: one call, the bytes after the head counted, the next lines intact', async () => {
      const line = '{"level":30,"time":1715000000123,"big":"' + 'x'.repeat(MAX_LINE_CHARS) + '"}'
      const dropped = Buffer.byteLength(line) - HEAD_BYTES
      const head = line.slice(0, HEAD_BYTES)
      for (const write of [
        (s: LineStream) => s.write(`before\n${line}\nafter\n`),
        (s: LineStream) => writeChunks(s, `before\n${line}\r\nafter\n`, 64 * 1024, true),
        (s: LineStream) => writeChunks(s, `before\n${line}\nafter\n`, 4 * 1024 * 1024)
      ]) {
        const { stream, lines, cuts } = collect(kind)
        write(stream)
        await end(stream)
        assert.deepEqual(short(lines), ['before', 'after'])
        assert.equal(cuts.length, 1)
        assert.equal(cuts[0].dropped, dropped)
        assert.ok(cuts[0].head === head, 'the head is the line\'s first HEAD_BYTES')
      }
    })

    it('cuts a line that the end of the input ends', async () => {
      const { stream, lines, cuts } = collect(kind)
      stream.write('first\n')
      const chunk = 'y'.repeat(1024 * 1024)
      for (let i = 0; i < 40; i++) stream.write(chunk)
      await end(stream)
      assert.deepEqual(short(lines), ['first'])
      assert.equal(cuts.length, 1)
      assert.equal(cuts[0].dropped, 40 * chunk.length - HEAD_BYTES)
      assert.equal(cuts[0].head, chunk.slice(0, HEAD_BYTES))
    })

    it('cuts multi-byte text on a character boundary, the bytes of head and dropped adding up', async () => {
      // '日' is 3 bytes of UTF-8, '😀' 4 (a surrogate pair).
      const line = '日😀'.repeat(MAX_LINE_CHARS / 3 + 1)
      const { stream, cuts } = collect(kind)
      writeChunks(stream, line + '\n', 1024 * 1024 + 1, true)
      await end(stream)
      assert.equal(cuts.length, 1)
      const { head, dropped } = cuts[0]
      const headBytes = Buffer.byteLength(head)
      assert.ok(headBytes <= HEAD_BYTES && headBytes > HEAD_BYTES - 4, String(headBytes))
      assert.ok(line.startsWith(head) && !head.includes('\ufffd'), 'a whole-character prefix')
      assert.equal(headBytes + dropped, Buffer.byteLength(line))
    })

    it('without a cut() handler, hands the head with the truncation marker as a line', async () => {
      const line = 'z'.repeat(MAX_LINE_CHARS + 1)
      const { stream, lines } = collect(kind, false)
      stream.write(line + '\nok\n')
      await end(stream)
      assert.deepEqual(short(lines), [`<${HEAD_BYTES + marker(line.length - HEAD_BYTES).length} chars>`, 'ok'])
      assert.ok(lines[0] === line.slice(0, HEAD_BYTES) + marker(line.length - HEAD_BYTES), lines[0].slice(-40))
    })
  })
}
