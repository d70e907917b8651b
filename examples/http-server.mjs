// An HTTP server (node:http) that logs one record per request through pino's worker transport and
// shuts down on SIGTERM or SIGINT without losing logs.
//
//   node examples/http-server.mjs            # PORT=8080 to pick the port
//   curl 'http://127.0.0.1:8080/orders/17'   # then Ctrl-C, or kill -TERM <pid>
//
// Ships to the service configured in the environment, otherwise to a local emulator it starts.
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import { randomUUID } from 'node:crypto'
import pino from 'pino'
import { resolveTarget, showWhatArrived } from './lib/target.mjs'

const target = await resolveTarget()
const transport = pino.transport({ target: '@logship/pino', options: { ...target.options, lingerMs: 500 } })
transport.on('failed', (e) => console.error(`  ${e.logCount} records failed: ${e.error.code} ${e.error.message}`))
const logger = pino({ base: { example: 'http-server', pid: process.pid } }, transport)

const server = createServer((req, res) => {
  const started = performance.now()
  const reqId = req.headers['x-request-id'] ?? randomUUID()
  const log = logger.child({ reqId })
  const url = new URL(req.url ?? '/', 'http://localhost')
  const status = url.pathname.startsWith('/orders/') ? 200 : 404
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': reqId })
  res.flushHeaders()
  const delayMs = Math.min(Number(url.searchParams.get('delay') ?? 0) || 0, 5000)   // ?delay=ms: slow work before the body
  setTimeout(() => {
    res.end(JSON.stringify(status === 200 ? { id: url.pathname.slice(8), ok: true } : { error: 'not found' }))
    log.info({ method: req.method, path: url.pathname, status, durationMs: Math.round(performance.now() - started) }, 'request completed')
  }, delayMs)
})

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address()
  logger.info({ port }, 'server started')
  console.log(`listening on http://127.0.0.1:${port}, logging to ${target.label}`)
})

// The library installs no signal handlers; the app owns shutdown. Stop accepting connections,
// let in-flight requests finish (and log), then exit: on process.exit() pino ends the worker,
// which delivers everything buffered within closeTimeoutMs before the process is gone.
let stopping = false
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: closing the server`)
    server.close(async () => {
      logger.info({ signal }, 'server stopped')
      if (target.emulator !== undefined) {
        // Only to show what arrived; process.exit() alone would deliver them too.
        await new Promise((resolve) => logger.flush(resolve))
        await showWhatArrived(target)
      }
      process.exit(0)
    })
  })
}
