// winston with @logship/winston: logger.end() means delivered. The producer runs in a worker
// thread (the default), so logging never waits for the network.
//
//   node examples/winston.mjs
//
// Ships to the service configured in the environment, otherwise to a local emulator it starts.
import winston from 'winston'
import { LogshipTransport } from '@logship/winston'
import { resolveTarget, showWhatArrived } from './lib/target.mjs'

const COUNT = 50
const target = await resolveTarget()
console.log(`Logging ${COUNT} records through winston to ${target.label}`)

const logship = new LogshipTransport({
  ...target.options,
  level: 'info',
  lingerMs: 200
  // worker: false runs the producer on this thread (needed for a credentials provider function)
})
logship.on('retry', (e) => console.log(`  retry #${e.retry} of ${e.logCount} records: ${e.error.code}`))
logship.on('failed', (e) => console.log(`  ${e.logCount} records failed: ${e.error.code} ${e.error.message}`))
logship.on('drop', (e) => console.log(`  ${e.count} records dropped: ${e.reason}`))

const logger = winston.createLogger({
  level: 'debug',
  format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.json()),
  defaultMeta: { app: 'billing' },
  transports: [
    new winston.transports.Console({ level: 'warn' }),   // other transports keep working as usual
    logship
  ]
})

for (let seq = 0; seq < COUNT - 1; seq++) {
  logger.info('invoice sent', { example: 'winston', seq, invoice: { id: `inv-${seq}`, total: 99.5 } })
}
logger.child({ requestId: 'r-77' }).warn(new Error('mail server slow'), { example: 'winston', seq: COUNT - 1 })

// 'finish' comes after the transport delivered what was buffered (bounded by closeTimeoutMs).
const finished = new Promise((resolve) => logger.on('finish', resolve))
logger.end()
await finished
const summary = await logship.close()   // idempotent: the summary of the close that end() ran
console.log('logger finished; close summary:', summary)

await showWhatArrived(target, { expected: COUNT })
if (summary.failed + summary.dropped + summary.pending > 0) process.exitCode = 1
