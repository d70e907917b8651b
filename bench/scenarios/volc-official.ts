/**
 * The official Volcengine Node TLS Producer (@volcengine/openapi tlsOpenapi.Producer), lz4 (its only
 * mode), linger 100 ms, otherwise defaults. It always speaks https, so it talks to the harness's
 * https emulator and trusts its throwaway certificate via NODE_EXTRA_CA_CERTS (set by run.ts).
 * Same loop shape as ours: build each record, await SendLog (it waits when its buffer is full).
 */
import { createRequire } from 'node:module'
import { AK, SK } from '../lib/emulator.js'
import { arg, emit, peakRssMiB, startSpan } from '../lib/measure.js'
import { standardContents } from '../lib/record.js'

const require = createRequire(import.meta.url)
const { tlsOpenapi } = require('@volcengine/openapi') as { tlsOpenapi: any }

const url = new URL(arg('url', ''))
const records = Number(arg('records', '5000'))
const TOPIC = `bench-volc-${process.pid}`

const span = startSpan()
const producer = new tlsOpenapi.Producer({ Endpoint: url.host, Region: 'cn-beijing', AccessKeyID: AK, AccessKeySecret: SK, LingerTime: 100 })
producer.Start()
let succeeded = 0
let failed = 0
const callback = { Success: () => { succeeded++ }, Fail: () => { failed++ } }
let withCallback = 0
for (let i = 0; i < records; i++) {
  const c = standardContents(i)
  const log = { Time: Date.now(), Contents: Object.entries(c).map(([Key, Value]) => ({ Key, Value })) }
  // A callback on every record would be unfair to it; one per 100 is enough to see they land.
  if (i % 100 === 0) { withCallback++; await producer.SendLog('', TOPIC, '10.0.0.7', 'app.log', log, callback) } else await producer.SendLog('', TOPIC, '10.0.0.7', 'app.log', log)
}
await producer.Close()
const s = span()
emit({
  records,
  failed,
  callbacks: withCallback,
  callbacksSucceeded: succeeded,
  cpuUsPerRecord: s.cpuUs / records,
  mainCpuUsPerRecord: s.mainCpuUs / records,
  recordsPerSec: records / (s.wallMs / 1000),
  recordsPerCpuSec: records / (s.cpuUs / 1e6),
  peakRssMiB: peakRssMiB()
})
