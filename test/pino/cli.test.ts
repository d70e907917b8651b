/** logship-pino end to end: `node app | node packages/pino/dist/cli.js ...` against the emulator. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import type { Emulator } from '../emulator/index.js'
import { childEnv, emulator, fields, missingSeq, SECRET, waitFor, waitForLogs } from './helpers.js'

const CLI = fileURLToPath(new URL('../../packages/pino/dist/cli.js', import.meta.url))
const APP = fileURLToPath(new URL('./fixtures/cli-app.mjs', import.meta.url))
const SIGNAL_APP = fileURLToPath(new URL('./fixtures/signal-app.mjs', import.meta.url))

interface Result { code: number | null, stdout: string, stderr: string }

async function pipeline (appArgs: string[], cliArgs: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  const app = spawn(process.execPath, [APP, ...appArgs], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  const cli = spawn(process.execPath, [CLI, ...cliArgs], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  app.stdout.pipe(cli.stdin)
  let stdout = ''
  let stderr = ''
  cli.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  cli.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const [code] = await once(cli, 'exit') as [number | null]
  return { code, stdout, stderr }
}

/**
 * `sh -c "node signal-app.mjs <count> | logship-pino …"` in a process group of its own (setsid), as a
 * terminal or a systemd unit runs it; the shell reports the CLI's exit status on stderr. It outlives
 * the signal through a trap, which, unlike an ignored signal, the two node processes do not inherit.
 */
function groupPipeline (count: number, cliArgs: string[], env: NodeJS.ProcessEnv): { group: ReturnType<typeof spawn>, done: Promise<Result> } {
  const script = 'trap : INT TERM; node=$1 app=$2 count=$3 cli=$4; shift 4; ' +
    '"$node" "$app" "$count" | "$node" "$cli" "$@"; echo "exit status $?" >&2'
  const group = spawn('sh', ['-c', script, 'sh', process.execPath, SIGNAL_APP, String(count), CLI, ...cliArgs],
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stdout = ''
  let stderr = ''
  group.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  group.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const done = once(group, 'close').then(() => {
    const status = /exit status (\d+)\n$/.exec(stderr)
    return { code: status === null ? null : Number(status[1]), stdout, stderr }
  })
  return { group, done }
}

describe('logship-pino CLI', () => {
  let emu: Emulator
  before(async () => { emu = await emulator() })
  after(async () => { await emu.close() })

  it('ships stdin with options as flags, flushes and exits 0 when stdin ends', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, 'unused')
    const r = await pipeline(['3000'], ['--service', 'tls', '--endpoint', emu.url, '--region', 'cn-beijing', '--topic-id', topicId, '--tag', 'app=cli'], env)
    assert.equal(r.code, 0, r.stderr)
    const logs = emu.logs({ topicId })
    assert.equal(logs.length, 3001)
    assert.equal(missingSeq(logs, 3000), '')
    const first = logs.find((l) => fields(l).seq === '0')!
    assert.equal(fields(first).level, 'info')
    assert.equal(fields(first).msg, 'line 0')
    assert.deepEqual(first.tags, [['app', 'cli']])
    assert.ok(logs.some((l) => fields(l).msg === 'a plain console.log line'))
    assert.match(r.stderr, /^logship-pino: 3001 records accepted, 3001 delivered, 0 failed, 0 dropped, 0 invalid, 0 not delivered within 8000 ms\n$/)
    assert.equal(r.stdout, '')
  })

  it('takes options from env vars, and --tee copies stdin to stdout', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, 'unused', { LOGSHIP_SERVICE: 'tls', LOGSHIP_TOPIC_ID: topicId, LOGSHIP_NESTED: 'flatten' })
    const r = await pipeline(['10'], ['--tee'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(emu.logs({ topicId }).length, 11)
    assert.equal(r.stdout.trim().split('\n').length, 11)
  })

  it('--tee: when the reader of stdout goes away (EPIPE), it stops copying and still ships everything', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, 'unused', { LOGSHIP_SERVICE: 'tls', LOGSHIP_TOPIC_ID: topicId })
    const app = spawn(process.execPath, [APP, '20000'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    const cli = spawn(process.execPath, [CLI, '--tee'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    // If the CLI died early, the app's lines would hit a closed pipe: fail on the counts below instead.
    cli.stdin.on('error', () => {})
    app.stdout.pipe(cli.stdin)
    let stderr = ''
    cli.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    // Like `| head -1`: read the first chunk, then close the pipe's read end.
    await once(cli.stdout, 'data')
    cli.stdout.destroy()
    const [code] = await once(cli, 'exit') as [number | null]
    assert.equal(code, 0, stderr)
    assert.match(stderr, /--tee stopped, stdout failed \(.*EPIPE.*\); still shipping\n/)
    assert.match(stderr, /20001 records accepted, 20001 delivered, 0 failed/)
    const logs = emu.logs({ topicId })
    assert.equal(logs.length, 20001)
    assert.equal(missingSeq(logs, 20000), '')
  })

  it('--tee copies the input bytes unchanged, invalid UTF-8 included; shipping decodes on its own', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, 'unused', { LOGSHIP_SERVICE: 'tls', LOGSHIP_TOPIC_ID: topicId })
    const cli = spawn(process.execPath, [CLI, '--tee'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    const line = (msg: Buffer): Buffer => Buffer.concat([Buffer.from('{"level":30,"msg":"'), msg, Buffer.from('"}\n')])
    const input = Buffer.concat([
      line(Buffer.from('plain')),
      line(Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe])), // "bad" and two bytes that are never UTF-8
      line(Buffer.from([0xe4, 0xb8])), // a three-byte sequence cut short
      line(Buffer.from('中文'))
    ])
    const copied: Buffer[] = []
    cli.stdout.on('data', (d: Buffer) => copied.push(d))
    let stderr = ''
    cli.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    // In two writes split inside '中', so a character also spans chunks.
    const cut = input.length - 6
    cli.stdin.write(input.subarray(0, cut))
    await new Promise((resolve) => setTimeout(resolve, 50))
    cli.stdin.end(input.subarray(cut))
    const [code] = await once(cli, 'exit') as [number | null]
    assert.equal(code, 0, stderr)
    assert.ok(Buffer.concat(copied).equals(input), `the copy differs: ${Buffer.concat(copied).toString('hex')}`)
    const messages = emu.logs({ topicId }).map((l) => fields(l).msg).sort()
    assert.deepEqual(messages, ['bad\ufffd\ufffd', 'plain', '\ufffd', '中文'].sort())
  })

  it('--tee with stderr in the same pipe (`2>&1 | head -1`): the dead stderr does not stop shipping or change the exit status', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, 'unused', { LOGSHIP_SERVICE: 'tls', LOGSHIP_TOPIC_ID: topicId })
    const app = spawn(process.execPath, [APP, '20000'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    // The shell makes fd 2 a copy of fd 1, then becomes the CLI (exec): its exit status is the CLI's.
    const cli = spawn('sh', ['-c', 'exec "$0" "$1" --tee 2>&1', process.execPath, CLI], { env, stdio: ['pipe', 'pipe', 'ignore'] })
    cli.stdin.on('error', () => {})
    app.stdout.pipe(cli.stdin)
    // Like `| head -1`: read the first chunk, then close the pipe's read end, stdout's and stderr's at once.
    await once(cli.stdout, 'data')
    cli.stdout.destroy()
    const [code] = await once(cli, 'exit') as [number | null]
    // A CLI that died would leave the app blocked on a full pipe.
    app.kill()
    assert.equal(code, 0)
    const logs = emu.logs({ topicId })
    assert.equal(logs.length, 20001)
    assert.equal(missingSeq(logs, 20000), '')
  })

  it('Ctrl-C to the process group: the app\'s shutdown logs, written after the signal, are still shipped', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, 'unused', { LOGSHIP_SERVICE: 'tls', LOGSHIP_TOPIC_ID: topicId, LOGSHIP_LINGER_MS: '100' })
    const { group, done } = groupPipeline(500, [], env)
    // The app's first line has arrived: both processes run and handle signals.
    await waitForLogs(emu, { topicId }, 1)
    // What a terminal's Ctrl-C (or systemd's KillMode=control-group) does: the signal goes to every process of the group.
    process.kill(-group.pid!, 'SIGINT')
    const r = await done
    assert.equal(r.code, 0, r.stderr)
    const logs = emu.logs({ topicId })
    const messages = logs.map((l) => fields(l).msg)
    assert.ok(messages.includes('got SIGINT') && messages.includes('bye'), messages.slice(0, 3).join(', '))
    assert.equal(missingSeq(logs.filter((l) => fields(l).phase === 'shutdown'), 500), '')
    assert.equal(logs.length, 503)
    assert.match(r.stderr, /logship-pino: got SIGINT: reading stdin until it ends \(at most 2000 ms\)/)
    assert.match(r.stderr, /logship-pino: 503 records accepted, 503 delivered, 0 failed, 0 dropped, 0 invalid, 0 not delivered within 8000 ms\n/)
  })

  it('a signal to the CLI alone: reading stops after the grace period though stdin stays open, and the close proceeds', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, 'unused', { LOGSHIP_SERVICE: 'tls', LOGSHIP_TOPIC_ID: topicId, LOGSHIP_LINGER_MS: '100' })
    // closeTimeoutMs 2000: the grace period is a quarter of it, 500 ms.
    const app = spawn(process.execPath, [SIGNAL_APP, '10'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    const cli = spawn(process.execPath, [CLI, '--close-timeout-ms', '2000'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    app.stdout.pipe(cli.stdin)
    let stderr = ''
    cli.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    await waitForLogs(emu, { topicId }, 1)
    const signalled = Date.now()
    cli.kill('SIGTERM')
    const [code] = await once(cli, 'exit') as [number | null]
    const ms = Date.now() - signalled
    app.kill()
    assert.equal(code, 0, stderr)
    assert.match(stderr, /got SIGTERM: reading stdin until it ends \(at most 500 ms\)/)
    assert.match(stderr, /1 records accepted, 1 delivered, 0 failed/)
    assert.ok(ms >= 450 && ms < 2000, `exited ${ms} ms after the signal`)
  })

  it('a hang-up (SIGHUP: the terminal or SSH session closed) is handled as SIGTERM: what was read is delivered', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, 'unused', { LOGSHIP_SERVICE: 'tls', LOGSHIP_TOPIC_ID: topicId, LOGSHIP_LINGER_MS: '60000' })
    const app = spawn(process.execPath, [SIGNAL_APP, '10'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    const cli = spawn(process.execPath, [CLI, '--close-timeout-ms', '2000', '--tee'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    app.stdout.pipe(cli.stdin)
    let stdout = ''
    let stderr = ''
    cli.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    cli.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    // --tee copies each chunk as it hands it to the transport: once the app's first line is on
    // stdout, the CLI holds it (lingerMs 60 s: buffered, not sent) when the hang-up comes.
    await waitFor(() => stdout.includes('"started"'), 5000, 'the first line to be read')
    assert.equal((await emu.logs({ topicId })).length, 0)
    cli.kill('SIGHUP')
    const [code, signal] = await once(cli, 'exit') as [number | null, NodeJS.Signals | null]
    app.kill()
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr)
    assert.match(stderr, /got SIGHUP: reading stdin until it ends \(at most 500 ms\)/)
    assert.match(stderr, /1 records accepted, 1 delivered, 0 failed/)
    assert.equal((await emu.logs({ topicId })).length, 1)
  })

  it('a read error on stdin: what was read is delivered, the error is said, and the exit status is 2, without a crash', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, topicId)
    // A descriptor open for writing only: every read from it fails (EBADF), as a terminal that went away fails with EIO.
    const dir = mkdtempSync(join(tmpdir(), 'logship-cli-'))
    const fd = openSync(join(dir, 'write-only'), 'w')
    try {
      const cli = spawn(process.execPath, [CLI, '--service', 'tls', '--topic-id', topicId], { env, stdio: [fd, 'pipe', 'pipe'] })
      let stderr = ''
      cli.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d })
      const [code] = await once(cli, 'exit') as [number | null]
      assert.equal(code, 2, stderr)
      assert.match(stderr, /^logship-pino: reading stdin failed \(EBADF: bad file descriptor, read\): delivering what was read; lines after it are lost\n/)
      assert.match(stderr, /logship-pino: 0 records accepted, 0 delivered, 0 failed, 0 dropped, 0 invalid, 0 not delivered within 8000 ms\n$/)
      assert.doesNotMatch(stderr, /at .*\(node:|Emitted 'error'/)
    } finally {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a second signal exits at once with status 128 + its number, after a line saying how many records were not delivered', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, topicId)
    // Batches are stored but their replies held: the close waits for them.
    emu.inject({ kind: 'hold', ms: 20_000, topicId })
    const app = spawn(process.execPath, [APP, '5'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    const cli = spawn(process.execPath, [CLI, '--service', 'tls', '--topic-id', topicId, '--linger-ms', '100'], { env, stdio: ['pipe', 'ignore', 'pipe'] })
    app.stdout.pipe(cli.stdin)
    let stderr = ''
    cli.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    await waitForLogs(emu, { topicId }, 6)
    cli.kill('SIGINT')
    await waitFor(() => stderr.includes('got SIGINT'), 5000, 'the line of the first signal')
    const second = Date.now()
    cli.kill('SIGTERM')
    const [code, signal] = await once(cli, 'exit') as [number | null, NodeJS.Signals | null]
    const ms = Date.now() - second
    assert.deepEqual({ code, signal }, { code: 143, signal: null }, stderr)
    assert.match(stderr, /\nlogship-pino: second signal \(SIGTERM\): exiting without waiting for delivery; 6 of 6 records accepted were not delivered \(0 failed, 6 still buffered or in flight\), 0 dropped, 0 invalid\n$/)
    assert.ok(ms < 1000, `exited ${ms} ms after the second signal`)
  })

  it('exits 1 with a clear message when the configuration is bad', async () => {
    const env = childEnv(emu, 'unused')
    const bad = await pipeline(['1'], ['--service', 'tls', '--endpoint', emu.url, '--region', 'cn-beijing'], env)
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^logship-pino: invalid option topicId/)
    const unknown = await pipeline(['1'], ['--service', 'tls', '--bogus', 'x'], env)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /bogus/)
    assert.ok(!bad.stderr.includes(SECRET) && !unknown.stderr.includes(SECRET))
    // A value the producer's checks refuse names the env var it came from; from a flag, the option alone.
    const args = ['--service', 'tls', '--endpoint', emu.url, '--region', 'cn-beijing', '--topic-id', 't']
    const fromEnv = await pipeline(['1'], args, { ...env, LOGSHIP_LINGER_MS: '5' })
    assert.equal(fromEnv.code, 1)
    assert.match(fromEnv.stderr, /^logship-pino: invalid option lingerMs \(from LOGSHIP_LINGER_MS\): 5; expected an integer >= 100\n/)
    const fromFlag = await pipeline(['1'], [...args, '--linger-ms', '5'], env)
    assert.match(fromFlag.stderr, /^logship-pino: invalid option lingerMs: 5; expected/)
  })

  it('exits 1 without repeating a stray argument, which may be a secret given without its flag', async () => {
    const env = childEnv(emu, 'unused')
    const stray = await pipeline(['1'], ['--service', 'tls', '--access-key-secret=', SECRET], env)
    assert.equal(stray.code, 1)
    assert.match(stray.stderr, /^logship-pino: invalid arguments: argument 4 is not a flag/)
    const dashed = await pipeline(['1'], ['--service', 'tls', '--access-key-secret', '-' + SECRET], env)
    assert.equal(dashed.code, 1)
    assert.match(dashed.stderr, /--access-key-secret=-XYZ/)
    for (const r of [stray, dashed]) assert.ok(!r.stderr.includes(SECRET.slice(0, 8)), r.stderr)
  })

  it('exits 2 and says so when records could not be delivered', async () => {
    const topicId = randomUUID()
    const env = childEnv(emu, topicId)
    emu.inject({ kind: 'error', status: 400, code: 'InvalidArgument', count: 1000, topicId })
    const r = await pipeline(['5'], ['--service', 'tls', '--topic-id', topicId], env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /6 records accepted, 0 delivered, 6 failed/)
  })

  it('prints usage with --help', async () => {
    const cli = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    cli.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    const [code] = await once(cli, 'exit')
    assert.equal(code, 0)
    assert.match(out, /--topic-id <value>\s+LOGSHIP_TOPIC_ID/)
  })
})
