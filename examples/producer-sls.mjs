// The producer API with Aliyun SLS: a LogGroup topic, tags, a per-call destination override, the
// Result a callback gets, flush() and close().
//
//   node examples/producer-sls.mjs
//
// Ships to ALIBABA_CLOUD_SLS_PROJECT / ALIBABA_CLOUD_SLS_LOGSTORE when ALIBABA_CLOUD_ACCESS_KEY_ID,
// _SECRET and ALIBABA_CLOUD_SLS_ENDPOINT are set; otherwise to a local emulator it starts.
// Set ALIBABA_CLOUD_REGION to sign with SLS v4 instead of v1.
import { createProducer } from '@logship/producer'
import { resolveTarget, showWhatArrived } from './lib/target.mjs'

const COUNT = 100
const target = await resolveTarget('sls')
console.log(`Shipping ${COUNT} records to ${target.label}`)

const producer = createProducer({
  ...target.options,             // service: 'sls', project, logstore (+ endpoint and keys for the emulator)
  topic: 'payments',             // the LogGroup topic (default '')
  tags: { app: 'payments', env: 'example' },
  signatureVersion: process.env.ALIBABA_CLOUD_REGION ? 'v4' : 'v1',  // v4 needs the region
  compression: 'lz4',            // the default; 'deflate' or 'none' also work
  lingerMs: 200
})

producer.on('retry', (e) => console.log(`  retry #${e.retry} of ${e.logCount} records in ${e.delayMs} ms: ${e.error.message}`))
producer.on('failed', (e) => console.log(`  ${e.logCount} records failed: ${e.error.code} ${e.error.message}`))
producer.on('drop', (e) => console.log(`  ${e.count} records dropped: ${e.reason}`))

let firstResult
const settled = []
for (let seq = 0; seq < COUNT; seq++) {
  // Contents may be an object or [key, value] pairs (to keep duplicate keys or a fixed order);
  // time may be ms (fractions keep sub-ms precision), a Date, or a bigint of nanoseconds.
  const contents = seq % 2 === 0
    ? { example: 'producer-sls', seq, level: 'info', msg: 'payment captured', amount: 12.5 + seq, currency: 'CNY' }
    : [['example', 'producer-sls'], ['seq', seq], ['level', 'info'], ['msg', 'payment refunded']]
  const time = seq % 2 === 0 ? Date.now() : BigInt(Date.now()) * 1_000_000n + 123_456n
  settled.push(new Promise((resolve) => {
    producer.send({ time, contents }, {
      source: 'pay-1',             // per-call destination fields override the producer's
      callback: (result) => {
        firstResult ??= result
        resolve(result.successful)
      }
    })
  }))
}

await producer.flush()
const ok = (await Promise.all(settled)).filter(Boolean).length
console.log(`${ok} of ${COUNT} records delivered. The first callback's Result:`)
console.log(firstResult)

const summary = await producer.close()   // bounded by closeTimeoutMs (default 8000)
console.log('close():', summary)

await showWhatArrived(target, { expected: COUNT })
if (summary.failed + summary.dropped + summary.pending > 0) process.exitCode = 1
