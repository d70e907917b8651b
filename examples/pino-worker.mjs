// pino with @logship/pino as a worker-thread transport: the recommended setup. The main thread
// only copies each line into a shared buffer; mapping, batching, compression and HTTP run in the
// worker.
//
//   node examples/pino-worker.mjs
//
// Ships to the service configured in the environment (VOLCENGINE_* + VOLCENGINE_TLS_TOPIC_ID, or
// ALIBABA_CLOUD_* + ALIBABA_CLOUD_SLS_PROJECT/_LOGSTORE), otherwise to a local emulator it starts.
import pino from 'pino'
import { resolveTarget, showWhatArrived } from './lib/target.mjs'

const COUNT = 50
const target = await resolveTarget()
console.log(`Logging ${COUNT} records through pino's worker transport to ${target.label}`)

// pino resolves the target relative to this file, so this package depends on @logship/pino
// directly (see "Target resolution" in the README). Options are copied into the worker: plain
// data only; credentials can come from the environment.
const transport = pino.transport({
  target: '@logship/pino',
  options: { ...target.options, lingerMs: 200 }
})
// Producer events come back to the main thread as events on the transport stream.
transport.on('retry', (e) => console.log(`  retry #${e.retry} of ${e.logCount} records: ${e.error.code} ${e.error.message}`))
transport.on('failed', (e) => console.log(`  ${e.logCount} records failed: ${e.error.code} ${e.error.message}`))
transport.on('drop', (e) => console.log(`  ${e.count} records dropped: ${e.reason}`))

const logger = pino({ base: { app: 'web', pid: process.pid } }, transport)

for (let seq = 0; seq < COUNT - 1; seq++) {
  logger.info({ example: 'pino-worker', seq, route: '/orders', status: 200, durationMs: 3 + (seq % 7) }, 'request handled')
}
logger.child({ reqId: 'r-42' }).error({ example: 'pino-worker', seq: COUNT - 1, err: new TypeError('card declined') }, 'payment failed')

// Not needed before exit: when the process ends (normally, process.exit(), an uncaught exception,
// or a signal handler that calls process.exit()), pino ends the worker and the worker delivers
// what is buffered within closeTimeoutMs. flush() waits for delivery without ending anything.
await new Promise((resolve, reject) => logger.flush((err) => (err ? reject(err) : resolve())))
console.log('flush(): everything logged so far is delivered')

await showWhatArrived(target, { expected: COUNT })
