/**
 * The diagnostic log in a file rotated by size (rotating-file-stream): several rotations, at most
 * maxFiles backups, gzip'd backups that decompress to JSON lines, oldest in the highest number.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { createProducer, type DiagnosticRecord } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { SECRET, tlsOptions } from './helpers.js'

describe('diagnostics file rotation', () => {
  let emu: Emulator
  let dir: string
  before(async () => {
    emu = await startEmulator({ port: 0 })
    dir = mkdtempSync(join(tmpdir(), 'logship-diag-'))
  })
  after(async () => {
    await emu.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function run (file: string, destination: Record<string, unknown>, records: number): Promise<void> {
    const producer = createProducer(tlsOptions(emu, {
      name: 'rotating', maxBatchCount: 1, diagnostics: { level: 'debug', destination: { file, ...destination } }
    }) as any)
    for (let i = 0; i < records; i++) producer.send({ contents: { i: String(i) } })
    await producer.close()
  }

  function lines (text: string): DiagnosticRecord[] {
    return text.trim().split('\n').map((line) => JSON.parse(line) as DiagnosticRecord)
  }

  it('rotates by size, keeps maxFiles gzip\'d backups, newest first', async () => {
    const file = join(dir, 'gz', 'producer.log')
    await run(file, { maxSizeBytes: 2000, maxFiles: 3, compress: true }, 60)
    assert.deepEqual(readdirSync(join(dir, 'gz')).sort(), ['producer.log', 'producer.log.1.gz', 'producer.log.2.gz', 'producer.log.3.gz'])
    const generations = [3, 2, 1].map((n) => lines(gunzipSync(readFileSync(`${file}.${n}.gz`)).toString('utf8')))
    generations.push(lines(readFileSync(file, 'utf8')))
    let last = 0
    for (const records of generations) {
      assert.ok(records.length > 0)
      for (const r of records) {
        assert.equal(r.producer, 'rotating')
        assert.ok(r.time >= last, 'oldest in the highest number')
        last = r.time
      }
    }
    for (let n = 1; n <= 3; n++) assert.ok(statSync(`${file}.${n}.gz`).size < 2000)
    const current = generations[3]
    assert.equal(current[current.length - 1].event, 'closed', 'the close summary is the last line, flushed at close')
    const all = JSON.stringify(generations)
    assert.ok(!all.includes(SECRET))
    // 60 records, one batch each, three debug lines per batch: far more than 4 files hold.
    assert.ok(generations.flat().length < 3 * 60)
  })

  it('without compress keeps plain backups; nothing is created before there is something to say', async () => {
    const file = join(dir, 'plain', 'producer.log')
    const quiet = createProducer(tlsOptions(emu, { diagnostics: { level: 'error', destination: { file } } }) as any)
    quiet.send({ contents: { ok: 'yes' } })
    await quiet.close()
    assert.throws(() => statSync(file), /ENOENT/)
    await run(file, { maxSizeBytes: 1500, maxFiles: 2 }, 30)
    assert.deepEqual(readdirSync(join(dir, 'plain')).sort(), ['producer.log', 'producer.log.1', 'producer.log.2'])
    for (const name of ['producer.log.1', 'producer.log.2']) {
      const text = readFileSync(join(dir, 'plain', name), 'utf8')
      assert.ok(lines(text).every((r) => r.producer === 'rotating'))
    }
  })
})
