// The producer API with Volcengine TLS: send() with per-record callbacks, sendAsync(), events,
// flush() and close().
//
//   node examples/producer-tls.mjs
//
// Ships to the topic in VOLCENGINE_TLS_TOPIC_ID when VOLCENGINE_ACCESS_KEY_ID, _SECRET,
// VOLCENGINE_ENDPOINT and VOLCENGINE_REGION are set; otherwise to a local emulator it starts.
import { createProducer } from '@logship/producer'
import { resolveTarget, showWhatArrived } from './lib/target.mjs'

const COUNT = 100
const target = await resolveTarget('tls')
console.log(`Shipping ${COUNT} records to ${target.label}`)

const producer = createProducer({
  ...target.options,            // service: 'tls', topicId (+ endpoint, region, keys for the emulator)
  source: 'checkout-1',         // the LogGroup source (default: this machine's IPv4 address)
  filename: 'producer-tls.mjs', // the LogGroup FileName
  tags: { app: 'checkout', env: 'example' },
  lingerMs: 200                 // seal a batch 200 ms after its first record (default 2000)
})

// Events are per batch. The producer never emits 'error'.
producer.on('retry', (e) => console.log(`  retry #${e.retry} of ${e.logCount} records in ${e.delayMs} ms: ${e.error.message}`))
producer.on('failed', (e) => console.log(`  ${e.logCount} records failed: ${e.error.code} ${e.error.message}`))
producer.on('drop', (e) => console.log(`  ${e.count} records dropped: ${e.reason}`))

let delivered = 0
let failed = 0
for (let seq = 0; seq < COUNT - 1; seq++) {
  // send() never blocks and never waits for the network. The callback runs once, when the
  // record's batch is delivered or has finally failed (after retries).
  producer.send({
    time: Date.now(),
    contents: { example: 'producer-tls', seq, level: 'info', msg: 'order placed', order: { id: 1000 + seq, items: seq % 5 + 1 } }
  }, {
    callback: (result) => {
      if (result.successful) delivered++
      else failed++
    }
  })
}

// sendAsync() waits for buffer space (up to maxBlockMs) instead of dropping when the buffer is full.
await producer.sendAsync({ time: new Date(), contents: { example: 'producer-tls', seq: COUNT - 1, level: 'warn', msg: 'last order of the batch' } })

await producer.flush()          // everything sent so far is settled; the producer stays open
console.log(`After flush(): callbacks report ${delivered} delivered, ${failed} failed; stats()`, producer.stats())

const summary = await producer.close({ timeoutMs: 5000 })   // delivers what is left, releases sockets
console.log('close():', summary)

await showWhatArrived(target, { expected: COUNT })
if (summary.failed + summary.dropped + summary.pending > 0) process.exitCode = 1
