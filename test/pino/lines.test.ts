/**
 * Long and blank lines in the three ways @logship/pino reads pino's output: a worker transport, the
 * in-process stream and the logship-pino CLI, against the emulator. One input line is at most one
 * record: a line up to the reader's limit is mapped whole (the producer cuts its big value, the
 * other fields kept); a longer one arrives as its head with a truncation marker, after its level
 * and time; a stream without newlines keeps memory bounded. A whitespace-only line is skipped like
 * an empty one.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import logship from '@logship/pino'
import { HEAD_BYTES, MAX_LINE_CHARS } from '../../packages/pino/src/line-reader.js'
import type { StoredLog } from '../emulator/index.js'
import { DEFAULT_CREDENTIAL } from '../emulator/index.js'
import { fields, remoteEmulator, tlsOptions, waitForLogs, type RemoteEmulator } from './helpers.js'

const CLI = fileURLToPath(new URL('../../packages/pino/dist/cli.js', import.meta.url))
const PEAK_RSS = new URL('./fixtures/report-peak-rss.mjs', import.meta.url).href
const MiB = 1024 * 1024
const TIME = 1715000000123
const HANG = { timeout: 60_000 }

/** A logger whose lines are known to the byte: fixed time, pid and hostname. */
function logger (destination: pino.DestinationStream): pino.Logger {
  return pino({ base: { pid: 42, hostname: 'h' }, timestamp: () => `,"time":${TIME}` }, destination)
}

// Over the old 4 Mi-character limit, under the reader's: mapped whole.
const SIX = 6 * MiB
// Over the reader's limit: cut to its head.
const SEVENTEEN = MAX_LINE_CHARS + MiB

/** What each mode is given: a line of 6 MiB and one over the limit, between short ones. */
function logLong (log: pino.Logger): void {
  log.info('before')
  log.info({ big: 'a'.repeat(SIX) }, 'six')
  log.warn({ big: 'b'.repeat(SEVENTEEN) }, 'seventeen')
  log.info('after')
}

/** Whitespace-only lines (an empty one too) between two records. */
function logBlank (log: pino.Logger, writeRaw: (text: string) => void): void {
  log.info('one')
  for (const blank of ['   \n', '\t\r\n', '\n', ' \u00a0\u3000\n']) writeRaw(blank)
  log.info('two')
}

/** An input as text, as pino writes it. */
function asText (write: (log: pino.Logger, writeRaw: (text: string) => void) => void): string {
  let text = ''
  write(logger({ write (s: string) { text += s } }), (raw) => { text += raw })
  return text
}

function verifyBlank (logs: StoredLog[]): void {
  assert.deepEqual(logs.map((l) => fields(l).msg), ['one', 'two'])
}

/** The line over the limit, as pino writes it, without its newline. */
const longLine = (): string => `{"level":40,"time":${TIME},"pid":42,"hostname":"h","big":"${'b'.repeat(SEVENTEEN)}","msg":"seventeen"}`

function verifyLong (logs: StoredLog[]): void {
  const summary = logs.map((l) => {
    const msg = fields(l).msg ?? ''
    return msg.length > 60 ? msg.slice(0, 40) + `…(${msg.length})` : msg
  })
  assert.equal(logs.length, 4, `one record per line: ${JSON.stringify(summary)}`)
  const by = (pick: (msg: string) => boolean): StoredLog => {
    const found = logs.find((l) => pick(fields(l).msg ?? ''))
    assert.ok(found, JSON.stringify(summary))
    return found
  }
  by((m) => m === 'before')
  by((m) => m === 'after')

  // 6 MiB: mapped whole; the producer cut the big value to the per-log limit.
  const six = by((m) => m === 'six')
  const s = fields(six)
  assert.equal(s.level, 'info')
  assert.equal(s.pid, '42')
  assert.equal(s.hostname, 'h')
  assert.equal(six.time, TIME)
  assert.ok(s.big.startsWith('aaaa'))
  assert.match(s.big.slice(-40), /a…\[truncated \d+ bytes\]$/)

  // Over the limit: one record, its head as the message, after the leading fields.
  const cut = by((m) => m.startsWith('{"level":40'))
  const c = fields(cut)
  const line = longLine()
  assert.deepEqual(Object.keys(c), ['level', 'pid', 'hostname', 'msg'])
  assert.equal(c.level, 'warn')
  assert.equal(c.pid, '42')
  assert.equal(c.hostname, 'h')
  assert.equal(cut.time, TIME, 'the line\'s own time, not the read time')
  const marker = `…[truncated ${Buffer.byteLength(line) - HEAD_BYTES} bytes]`
  assert.ok(c.msg === line.slice(0, HEAD_BYTES) + marker, `head and marker: …${c.msg.slice(-50)}`)
}

describe('long and blank lines', () => {
  let emu: RemoteEmulator
  before(async () => { emu = await remoteEmulator() }, HANG)
  after(async () => { await emu.close() })

  async function worker (write: (log: pino.Logger, writeRaw: (text: string) => void) => void, count: number): Promise<StoredLog[]> {
    const options = tlsOptions(emu)
    const transport = pino.transport({ target: '@logship/pino', options })
    write(logger(transport), (raw) => transport.write(raw))
    await waitForLogs(emu, { topicId: options.topicId }, count, 30_000)
    const closed = once(transport, 'close')
    transport.end()
    await closed
    return await emu.logs({ topicId: options.topicId })
  }

  it('worker transport: long lines', HANG, async () => {
    verifyLong(await worker(logLong, 4))
  })

  it('worker transport: blank lines are skipped', HANG, async () => {
    verifyBlank(await worker(logBlank, 2))
  })

  // pino's own writes, and the same text written in 1 MiB pieces, as a piped file arrives.
  const writers: Array<[string, (stream: Awaited<ReturnType<typeof logship>>) => void]> = [
    ['', (stream) => logLong(logger(stream))],
    [' written in chunks (a piped file)', (stream) => {
      const bytes = Buffer.from(asText(logLong))
      for (let i = 0; i < bytes.length; i += MiB) stream.write(bytes.subarray(i, i + MiB))
    }]
  ]
  for (const [how, write] of writers) {
    it(`in-process stream: long lines${how}`, HANG, async () => {
      const options = tlsOptions(emu)
      const stream = await logship(options as never)
      write(stream)
      const summary = await stream.close()
      assert.equal(summary.accepted, 4)
      assert.equal(summary.delivered, 4)
      // One value cut by the producer (six), one line cut by the reader.
      assert.equal(stream.stats().truncated, 2)
      assert.equal(summary.truncated, 2)
      verifyLong(await emu.logs({ topicId: options.topicId }))
    })
  }

  it('in-process stream: blank lines are skipped, also after close', HANG, async () => {
    const options = tlsOptions(emu)
    const stream = await logship(options as never)
    const drops: unknown[] = []
    stream.on('drop', (d: unknown) => drops.push(d))
    logBlank(logger(stream), (raw) => stream.write(raw))
    const summary = await stream.close()
    assert.equal(summary.accepted, 2)
    // Written after the close: a record is dropped and counted as closed, a blank line is no record.
    stream.write('  \n\t\n')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(drops, [])
    verifyBlank(await emu.logs({ topicId: options.topicId }))
  })

  it('CLI: long lines', HANG, async () => {
    const options = tlsOptions(emu)
    const r = await runCli(options.topicId, Buffer.from(asText(logLong)))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /logship-pino: 4 records accepted, 4 delivered, 0 failed/)
    // The 6 MiB line's big value cut by the producer, the oversized line cut by the reader: both delivered.
    assert.match(r.stderr, /not delivered within \d+ ms; 2 truncated\n/)
    verifyLong(await emu.logs({ topicId: options.topicId }))
  })

  it('CLI: blank lines are skipped', HANG, async () => {
    const options = tlsOptions(emu)
    const r = await runCli(options.topicId, Buffer.from(asText(logBlank)))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /logship-pino: 2 records accepted, 2 delivered, 0 failed/)
    assert.doesNotMatch(r.stderr, /truncated/)
    verifyBlank(await emu.logs({ topicId: options.topicId }))
  })

  it('CLI: 30 MB without a newline is one record, and memory stays bounded', HANG, async () => {
    const baselineTopic = tlsOptions(emu).topicId
    const baseline = await runCli(baselineTopic, Buffer.from('{"msg":"small"}\n'))
    assert.equal(baseline.code, 0, baseline.stderr)

    const garbage = randomBytes(30 * 1000 * 1000)
    for (let i = 0; i < garbage.length; i++) if (garbage[i] === 0x0a) garbage[i] = 0x0b
    const { topicId } = tlsOptions(emu)
    const r = await runCli(topicId, garbage)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /logship-pino: 1 records accepted, 1 delivered/)
    const logs = await emu.logs({ topicId })
    assert.equal(logs.length, 1)
    const msg = fields(logs[0]).msg
    const marker = /…\[truncated (\d+) bytes\]$/.exec(msg)
    assert.ok(marker, msg.slice(-50))
    // Invalid UTF-8 reads as U+FFFD (3 bytes): the bytes counted are those of the text as read.
    const head = msg.slice(0, marker.index)
    assert.ok(Buffer.byteLength(head) <= HEAD_BYTES)
    assert.equal(Number(marker[1]) + Buffer.byteLength(head), Buffer.byteLength(garbage.toString()))

    // The reader holds at most MAX_LINE_CHARS of the line (32 MiB as UTF-16: invalid bytes read as
    // U+FFFD), then only its head. Measured: ~55–60 MiB over the baseline, the same for 100 MB of
    // input; without a limit, ~190 MiB for these 30 MB, growing with the input.
    const growth = r.peakRss - baseline.peakRss
    assert.ok(growth < 100 * MiB, `peak RSS grew by ${(growth / MiB).toFixed(1)} MiB`)
  })

  async function runCli (topicId: string, input: Buffer): Promise<{ code: number | null, stderr: string, peakRss: number }> {
    const env = {
      ...process.env,
      VOLCENGINE_ACCESS_KEY_ID: DEFAULT_CREDENTIAL.accessKeyId,
      VOLCENGINE_ACCESS_KEY_SECRET: DEFAULT_CREDENTIAL.accessKeySecret
    }
    const cli = spawn(process.execPath, ['--import', PEAK_RSS, CLI, '--service', 'tls', '--endpoint', emu.url, '--region', 'cn-beijing', '--topic-id', topicId],
      { env, stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    cli.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    cli.stdin.end(input)
    const [code] = await once(cli, 'exit') as [number | null]
    const peak = /\npeak-rss (\d+)\n/.exec(stderr)
    assert.ok(peak, stderr)
    return { code, stderr: stderr.replace(peak[0], '\n'), peakRss: Number(peak[1]) }
  }
})
