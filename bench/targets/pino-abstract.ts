/**
 * The common way to write a pino transport: pino-abstract-transport with its default line parsing
 * (split2 + JSON.parse per line), each parsed object mapped to strings and sent through
 * @logship/producer. Used by scenarios/pino.ts --mode abstract as the side-by-side comparison.
 */
import build from 'pino-abstract-transport'
import { createProducer, type ProducerOptions } from '@logship/producer'

export default async function (options: ProducerOptions): Promise<unknown> {
  const producer = createProducer(options)
  return build(async function (source: AsyncIterable<Record<string, unknown>>) {
    for await (const obj of source) {
      const contents: Record<string, string> = {}
      let time: number | undefined
      for (const k in obj) {
        const v = obj[k]
        if (k === 'time' && typeof v === 'number') time = v
        else contents[k] = typeof v === 'string' ? v : JSON.stringify(v)
      }
      producer.send(time === undefined ? { contents } : { time, contents })
    }
  }, {
    async close () {
      await producer.close()
    }
  })
}
