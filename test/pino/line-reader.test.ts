/**
 * The pino transport's line reader (LineStream), with both kinds of handlers the transport may give
 * it (whole lines, or ranges of the chunk).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LineStream, type LineHandlers } from '../../packages/pino/src/line-reader.js'

interface Collected {
  stream: LineStream
  lines: string[]
}

/** A reader whose handler takes whole lines (`line`) or ranges of the chunk (`range`). */
function collect (kind: 'line' | 'range'): Collected {
  const lines: string[] = []
  const handlers: LineHandlers = {
    line: (text) => { lines.push(text) },
    flush: async () => {},
    close: async () => {}
  }
  if (kind === 'range') handlers.range = (text, start, end) => { lines.push(text.slice(start, end)) }
  return { stream: new LineStream(handlers), lines }
}

async function end (stream: LineStream): Promise<void> {
  await new Promise<void>((resolve) => stream.end(resolve))
}

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
  })
}
