// pino with @logship/pino in-process: the transport is a stream on the main thread, so the app can
// await delivery deterministically (CLIs, serverless handlers, tests).
//
//   node examples/pino-in-process.mjs
//
// Ships to the service configured in the environment, otherwise to a local emulator it starts.
import pino from 'pino'
import logship from '@logship/pino'
import { resolveTarget, showWhatArrived } from './lib/target.mjs'

const COUNT = 50
const target = await resolveTarget()
console.log(`Logging ${COUNT} records through pino in-process to ${target.label}`)

// In-process, options may hold functions, e.g. a credentials provider for STS:
//   accessKeyId: async () => ({ accessKeyId, accessKeySecret, securityToken, expiresAt })
const stream = await logship({
  ...target.options,
  lingerMs: 200,
  customLevels: { audit: 35 }   // in-process, tell the transport about custom levels
})
stream.on('retry', (e) => console.log(`  retry #${e.retry} of ${e.logCount} records: ${e.error.code}`))
stream.on('failed', (e) => console.log(`  ${e.logCount} records failed: ${e.error.code} ${e.error.message}`))

const logger = pino({ customLevels: { audit: 35 }, timestamp: pino.stdTimeFunctions.isoTime }, stream)

for (let seq = 0; seq < COUNT - 1; seq++) {
  logger.info({ example: 'pino-in-process', seq, job: 'nightly-report', rows: seq * 10 }, 'batch processed')
}
logger.audit({ example: 'pino-in-process', seq: COUNT - 1, user: { id: 7, role: 'admin' } }, 'report exported')

await stream.flush()                    // everything logged so far is delivered; the stream stays open
console.log('stats after flush():', stream.stats())
const summary = await stream.close()    // delivers what is buffered (bounded by closeTimeoutMs), then ends
console.log('close():', summary)

await showWhatArrived(target, { expected: COUNT })
if (summary.failed + summary.dropped + summary.pending > 0) process.exitCode = 1
