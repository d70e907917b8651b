// Run by wire-http.test.ts in a child process: one request over a kept-alive socket, then nothing.
// The process must exit on its own, so neither the client's pool nor its socket may hold it open.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpClient } from '../../packages/producer/src/wire/http.js'

const server = createServer((_req, res) => { res.end('ok') })
server.keepAliveTimeout = 60_000
// The server's end of the kept-alive connection must not hold the process either.
server.on('connection', (socket) => socket.unref())
server.listen(0, '127.0.0.1', async () => {
  server.unref() // the server side must not be what keeps us alive either
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const http = new HttpClient({ connectTimeoutMs: 2000, requestTimeoutMs: 2000 })
  const res = await http.post({ origin, path: '/', headers: {}, body: Buffer.from('x') })
  console.log('status', res.status)
  // Deliberately no close(): an idle producer must let Node exit.
})
