/**
 * The baseline "straightforward client": what one writes in an afternoon. Records are collected as
 * objects, each batch of 4096 is encoded with protobufjs reflection (LogGroupList), POSTed with
 * undici without compression, signed with Volcengine V4 (written here from the public signing
 * spec), at most 4 requests in flight. CPU is the whole process's, first record to last response,
 * after a warm-up through the same code.
 *
 * `--encode fromObject` (the default) converts the batch with protobufjs's `fromObject` before
 * encoding it; `--encode plain` hands the plain objects to `encode` directly, which protobufjs
 * accepts too. Both are straightforward, and the issue does not say which its reference client
 * was, so the harness runs both: their ratio is how uncertain the scaling to the reference
 * machine is.
 */
import { createHash, createHmac } from 'node:crypto'
import protobuf from 'protobufjs'
import { Pool } from 'undici'
import { AK, SK } from '../lib/emulator.js'
import { arg, emit, peakRssMiB, startSpan, WARMUP_REQUEST_RECORDS } from '../lib/measure.js'
import { standardContents } from '../lib/record.js'

const url = arg('url', '')
const records = Number(arg('records', '100000'))
const encodeMode = arg('encode', 'fromObject')
if (encodeMode !== 'fromObject' && encodeMode !== 'plain') throw new Error(`--encode must be fromObject or plain, not ${encodeMode}`)
const BATCH = 4096
const IN_FLIGHT = 4
const REGION = 'cn-beijing'
const TOPIC = `bench-straightforward-${process.pid}`

const root = protobuf.parse(`
syntax = "proto3";
message LogContent { string Key = 1; string Value = 2; }
message Log { int64 Time = 1; repeated LogContent Contents = 2; }
message LogGroup { repeated Log Logs = 1; string Source = 2; string FileName = 4; }
message LogGroupList { repeated LogGroup LogGroups = 1; }
`, { keepCase: true }).root
const LogGroupList = root.lookupType('LogGroupList')

const hmac = (key: string | Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest()
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

function signedHeaders (host: string, body: Buffer): Record<string, string> {
  const xDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const date = xDate.slice(0, 8)
  const bodyHash = sha256(body)
  const headers: Record<string, string> = {
    'content-type': 'application/x-protobuf',
    host,
    'x-content-sha256': bodyHash,
    'x-date': xDate,
    'x-tls-apiversion': '0.3.0',
    'x-tls-bodyrawsize': String(body.length)
  }
  const names = Object.keys(headers).sort()
  const canonical = ['POST', '/PutLogs', `TopicId=${encodeURIComponent(TOPIC)}`, names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), bodyHash].join('\n')
  const scope = `${date}/${REGION}/TLS/request`
  const toSign = ['HMAC-SHA256', xDate, scope, sha256(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(SK, date), REGION), 'TLS'), 'request')
  headers.authorization = `HMAC-SHA256 Credential=${AK}/${scope}, SignedHeaders=${names.join(';')}, Signature=${createHmac('sha256', key).update(toSign).digest('hex')}`
  return headers
}

/** The client's whole life: a pool, the records, every response, the pool closed. */
async function sendAll (count: number, batchRecords = BATCH): Promise<{ delivered: number, failed: number }> {
  const origin = new URL(url)
  const pool = new Pool(origin.origin, { connections: IN_FLIGHT })
  const inFlight = new Set<Promise<void>>()
  const done = { delivered: 0, failed: 0 }

  async function post (logs: object[]): Promise<void> {
    const list = { LogGroups: [{ Logs: logs, Source: '10.0.0.7', FileName: 'app.log' }] }
    const body = Buffer.from(LogGroupList.encode(encodeMode === 'plain' ? list : LogGroupList.fromObject(list)).finish())
    const res = await pool.request({ method: 'POST', path: `/PutLogs?TopicId=${encodeURIComponent(TOPIC)}`, headers: signedHeaders(origin.host, body), body })
    await res.body.text()
    if (res.statusCode === 200) done.delivered += logs.length
    else done.failed += logs.length
  }

  let batch: object[] = []
  for (let i = 0; i < count; i++) {
    const c = standardContents(i)
    batch.push({ Time: Date.now(), Contents: Object.entries(c).map(([Key, Value]) => ({ Key, Value })) })
    if (batch.length === batchRecords || i === count - 1) {
      const p = post(batch).finally(() => inFlight.delete(p))
      inFlight.add(p)
      batch = []
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
    }
  }
  await Promise.all(inFlight)
  await pool.close()
  return done
}

// Warm-up outside the measurement, as in the producer scenario (the same function, so the JIT has
// compiled it): the figure is the client's steady cost, not its compilation, and the ratio to the
// producer rows compares like with like. These records reach the emulator too.
const WARMUP = Number(arg('warmup', '20000'))
await sendAll(WARMUP)
// Then requests, as the producer scenario does (its code run once per request is hot only after
// ~1,000–2,500 requests): the same steady state on both sides of the ratio.
const WARMUP_REQUESTS = Number(arg('warmup-requests', '2500'))
await sendAll(WARMUP_REQUESTS * WARMUP_REQUEST_RECORDS, WARMUP_REQUEST_RECORDS)

const span = startSpan()
const { delivered, failed } = await sendAll(records)
const s = span()
emit({
  records,
  encode: encodeMode,
  warmupRecords: WARMUP + WARMUP_REQUESTS * WARMUP_REQUEST_RECORDS,
  warmupRequests: WARMUP_REQUESTS,
  delivered,
  failed,
  dropped: 0,
  cpuUsPerRecord: s.cpuUs / records,
  mainCpuUsPerRecord: s.mainCpuUs / records,
  recordsPerSec: records / (s.wallMs / 1000),
  recordsPerCpuSec: records / (s.cpuUs / 1e6),
  peakRssMiB: peakRssMiB()
})
