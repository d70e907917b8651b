/**
 * Blank lines in the three ways @logship/pino reads pino's output: a worker transport, the
 * in-process stream and the logship-pino CLI, against the emulator. A whitespace-only line is
 * skipped like an empty one.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import logship from '@logship/pino'
import type { StoredLog } from '../emulator/index.js'
import { DEFAULT_CREDENTIAL } from '../emulator/index.js'
import { fields, remoteEmulator, tlsOptions, waitForLogs, type RemoteEmulator } from './helpers.js'

const CLI = fileURLToPath(new URL('../../packages/pino/dist/cli.js', import.meta.url))
const TIME = 1715000000123
const HANG = { timeout: 60_000 }

/** A logger whose lines are known to the byte: fixed time, pid and hostname. */
function logger (destination: pino.DestinationStream): pino.Logger {
  return pino({ base: { pid: 42, hostname: 'h' }, timestamp: () => `,"time":${TIME}` }, destination)
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

describe('blank lines', () => {
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

  it('worker transport: blank lines are skipped', HANG, async () => {
    verifyBlank(await worker(logBlank, 2))
  })

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

  it('CLI: blank lines are skipped', HANG, async () => {
    const options = tlsOptions(emu)
    const r = await runCli(options.topicId, Buffer.from(asText(logBlank)))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /logship-pino: 2 records accepted, 2 delivered, 0 failed/)
    verifyBlank(await emu.logs({ topicId: options.topicId }))
  })

  async function runCli (topicId: string, input: Buffer): Promise<{ code: number | null, stderr: string }> {
    const env = {
      ...process.env,
      VOLCENGINE_ACCESS_KEY_ID: DEFAULT_CREDENTIAL.accessKeyId,
      VOLCENGINE_ACCESS_KEY_SECRET: DEFAULT_CREDENTIAL.accessKeySecret
    }
    const cli = spawn(process.execPath, [CLI, '--service', 'tls', '--endpoint', emu.url, '--region', 'cn-beijing', '--topic-id', topicId],
      { env, stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    cli.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    cli.stdin.end(input)
    const [code] = await once(cli, 'exit') as [number | null]
    return { code, stderr }
  }
})
