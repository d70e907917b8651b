#!/usr/bin/env node
/**
 * logship-pino: `node app.js | logship-pino --service tls ...` ships pino's stdout. Runs the
 * transport in-process, so stdin's end can be awaited: the producer delivers what is buffered
 * (bounded by closeTimeoutMs), a one-line summary goes to stderr, and the exit status tells
 * whether everything arrived.
 */
import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { nameEnvSource, parseCli, usage } from './cli-args.js'
import { DEFAULTS } from './options.js'
import { createTransport, type LogshipStream } from './transport.js'
import type { SummaryPayload } from './worker-events.js'

const EXIT_OK = 0
const EXIT_CONFIG = 1
const EXIT_LOSSES = 2
// A second signal cut the close short: 128 + the signal's number (129 SIGHUP, 130 SIGINT, 143
// SIGTERM), the status a shell reports for a process that a signal ended, as Node's default would have.
const EXIT_SIGNAL_BASE = 128

/**
 * After SIGINT, SIGTERM or SIGHUP, how long stdin is still read, at most. A terminal's Ctrl-C and
 * systemd's KillMode=control-group signal the whole process group: the application gets the same signal,
 * logs its shutdown and exits, which ends stdin, usually within milliseconds; stopping at the
 * signal would lose exactly those last lines. The limit only matters for a writer that does not
 * end (it ignores the signal, or the signal went to the CLI alone). 2 s covers a shutdown handler
 * that closes a server or drains a queue, and leaves three quarters of the default closeTimeoutMs
 * (8 s) for delivery: the close's deadline runs from the signal, so the grace period is spent
 * from it, never added to it. With a smaller closeTimeoutMs, a quarter of it.
 */
const SIGNAL_READ_GRACE_MS = 2000

function signalReadGraceMs (closeTimeoutMs: number): number {
  return Math.min(SIGNAL_READ_GRACE_MS, Math.floor(closeTimeoutMs / 4))
}

async function main (): Promise<number> {
  guardOutput()
  let config: ReturnType<typeof parseCli>
  let stream: LogshipStream
  // Set by the first signal: from then on, the CLI is done within closeTimeoutMs (see below).
  let signalledAt: number | undefined
  // Which options came from env vars, for errors found after parsing.
  let fromEnv: Record<string, string> = {}
  try {
    config = parseCli(process.argv.slice(2), process.env)
    fromEnv = config.fromEnv
    if (config.help) {
      writeOut(usage() + '\n')
      return EXIT_OK
    }
    if (config.version) {
      writeOut(packageVersion() + '\n')
      return EXIT_OK
    }
    stream = await createTransport(config.options, {
      reportLosses: false,
      closeBy: () => signalledAt === undefined ? undefined : signalledAt + closeTimeoutOf(config)
    })
  } catch (err) {
    const text = message(err).replace(/^@logship\/pino: /, '')
    say(`${nameEnvSource(text, (err as { option?: unknown }).option, fromEnv)}\n(see logship-pino --help)`)
    return EXIT_CONFIG
  }

  const summary = new Promise<SummaryPayload>((resolve) => stream.once('summary', resolve))
  // No setEncoding: --tee copies the input's bytes as they are (invalid UTF-8 included), and the
  // stream decodes its Buffers for shipping itself, a character split across chunks included.
  const stdin = process.stdin
  if (config.tee) {
    const stdout = process.stdout
    let teeStopped = false
    // The copy's reader may go away (`| head -1`: EPIPE). Stop copying and keep shipping: the copy is
    // a convenience, the records are what the command is for.
    stdout.on('error', (err) => {
      stdin.unpipe(stdout)
      // stdin may be paused waiting for a 'drain' that a failed stdout never emits.
      stdin.resume()
      if (teeStopped) return
      teeStopped = true
      say(`--tee stopped, stdout failed (${message(err)}); still shipping`)
    })
    stdin.pipe(stdout)
  }
  stdin.pipe(stream)

  // SIGINT, SIGTERM or SIGHUP (the terminal went away): read on until stdin ends (the application
  // got the same signal and is exiting), for at most the grace period; then close and exit as when
  // stdin ends. The close's deadline runs from the signal: a supervisor that waits closeTimeoutMs
  // before SIGKILL loses nothing it would not have lost without the grace period. A second signal
  // (any of them: users press Ctrl-C again while the close waits) exits at once, after one line
  // saying what is lost.
  const closeTimeoutMs = closeTimeoutOf(config)
  const stopReading = (): void => {
    stdin.unpipe(stream)
    stdin.destroy()
    if (!stream.writableEnded) stream.end()
  }
  // A read error (EIO from a terminal that went away, EBADF): what was read is delivered as at the
  // end of input, and the exit status says input may be missing. Unheard, the error would end the
  // process with everything still buffered.
  let inputFailed = false
  stdin.on('error', (err) => {
    if (inputFailed) return
    inputFailed = true
    say(`reading stdin failed (${message(err)}): delivering what was read; lines after it are lost`)
    stopReading()
  })
  const exitNow = (signal: NodeJS.Signals): void => {
    // Records the producer took and has not delivered: failed, or still buffered or in flight.
    // Lines not yet read from stdin are not known, so not counted.
    const s = stream.stats()
    const notDelivered = s.accepted - s.delivered
    say(`second signal (${signal}): exiting without waiting for delivery; ${notDelivered} of ${s.accepted} records accepted ` +
      `were not delivered (${s.failed} failed, ${notDelivered - s.failed} still buffered or in flight), ${s.dropped} dropped, ${s.invalid} invalid`)
    process.exit(EXIT_SIGNAL_BASE + constants.signals[signal])
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalledAt !== undefined) {
      exitNow(signal)
      return
    }
    signalledAt = Date.now()
    const secondSignal = 'a second signal exits at once'
    if (stdin.readableEnded || stdin.destroyed) {
      say(`got ${signal}: stdin has ended, delivering what is buffered; ${secondSignal}`)
      return
    }
    const graceMs = signalReadGraceMs(closeTimeoutMs)
    say(`got ${signal}: reading stdin until it ends (at most ${graceMs} ms), then delivering within ${closeTimeoutMs} ms of the signal; ${secondSignal}`)
    const grace = setTimeout(stopReading, graceMs)
    stdin.once('end', () => clearTimeout(grace))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // Closing the terminal or SSH session: Node's default would end the CLI with records buffered.
  process.on('SIGHUP', onSignal)

  const s = await summary
  const lost = s.failed + s.dropped + s.pending + s.invalid
  say(`${s.accepted} records accepted, ${s.delivered} delivered, ${s.failed} failed, ` +
    `${s.dropped} dropped, ${s.invalid} invalid, ${s.pending} not delivered within ${s.closeTimeoutMs} ms` +
    // Delivered, but cut: worth knowing, not a loss (the exit status does not count them).
    (s.truncated > 0 ? `; ${s.truncated} truncated` : ''))
  return lost > 0 || inputFailed ? EXIT_LOSSES : EXIT_OK
}

/**
 * Nothing the CLI writes may end it: its output is a convenience, the records are what it is for.
 * A reader that goes away (`| head`; with `2>&1 | head` stdout and stderr at once) makes the next
 * write fail with EPIPE, reported as an 'error' event that, unheard, would be an uncaught
 * exception: the process would die with everything still buffered. With these listeners a failed
 * stream is simply left (it is destroyed, and later writes skip it); the exit status still tells
 * the outcome when the summary can no longer be read.
 */
function guardOutput (): void {
  process.stdout.on('error', ignoreOutputError)
  process.stderr.on('error', ignoreOutputError)
}

function ignoreOutputError (): void {
  // Nowhere left to report it. --tee has its own listener, which tells on stderr while it can.
}

function writeOut (text: string): void {
  write(process.stdout, text)
}

/** One line on stderr, if stderr is still there. */
function say (line: string): void {
  write(process.stderr, `logship-pino: ${line}\n`)
}

function write (stream: NodeJS.WriteStream, text: string): void {
  if (stream.destroyed) return
  try {
    stream.write(text)
  } catch {
    // A file or a closed descriptor can fail synchronously: as above, nothing to do.
  }
}

/** The close's deadline; createTransport has already checked the value. */
function closeTimeoutOf (config: { options: { closeTimeoutMs?: number } }): number {
  return config.options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs
}

function message (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function packageVersion (): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

main().then((code) => process.exit(code), (err: unknown) => {
  say(message(err))
  process.exit(EXIT_CONFIG)
})
