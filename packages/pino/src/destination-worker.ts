/**
 * The worker thread of destination(): reads pino's lines out of the shared ring (shared-ring.ts),
 * hands them to the same transport stream pino.transport() runs (transport.ts), and answers the
 * logging thread's flush and close. Events, diagnostics and metrics reach the logging thread as
 * the EVENT messages of a thread-stream worker (worker-events.ts), which destination.ts re-emits.
 */
import { StringDecoder } from 'node:string_decoder'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { parentPort, workerData } from 'node:worker_threads'
import { createTransport, type LogshipStream } from './transport.js'
import { CLOSED, CLOSING, DOORBELL, DROPPED_BEFORE_CLOSE, POSITION_MASK, READ, READER_SLEEPING, ringViews, WRITE } from './shared-ring.js'
import { errorPayload, type SummaryPayload } from './worker-events.js'
import type { DestinationWorkerData, FromDestinationWorker, ToDestinationWorker } from './destination-protocol.js'

const init = workerData as DestinationWorkerData
const port = parentPort!
const { state, bytes, capacity } = ringViews(init.memory)
const slotMask = capacity - 1
/**
 * At most this much is decoded and handed to the line reader at a time, so that the producer's
 * timers and sockets get a turn between reads, and the string decoded stays small.
 */
const READ_CHUNK_BYTES = 1024 * 1024
/**
 * A sleeping reader also looks again after this long without being woken: a safety net only, as
 * the logging thread wakes it whenever it writes to a sleeping reader.
 */
const POLL_MS = 1000

/** Atomics.waitAsync (Node ≥ 16), which the project's ES2023 lib does not declare. */
const waitAsync = (Atomics as unknown as {
  waitAsync: (array: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean, value: Promise<string> | string }
}).waitAsync

const decoder = new StringDecoder('utf8')
let read = 0
/** flush() requests not answered yet: each waits until the lines written before it are read. */
const flushes: Array<{ id: number, upTo: number }> = []

function post (message: FromDestinationWorker): void {
  try {
    port.postMessage(message)
  } catch {
    // A closed port: the logging thread is gone.
  }
}

/** Whether reading has reached `position` (a WRITE value seen earlier): at most `capacity` bytes can be unread. */
function reached (position: number): boolean {
  const behind = (position - read) & POSITION_MASK
  return behind === 0 || behind > capacity
}

/** Copies out up to READ_CHUNK_BYTES of what was written and frees their room in the ring. */
function readChunk (written: number): string {
  const available = Math.min((written - read) & POSITION_MASK, READ_CHUNK_BYTES)
  const at = read & slotMask
  const first = Math.min(available, capacity - at)
  let text = decoder.write(bytes.subarray(at, at + first))
  if (available > first) text += decoder.write(bytes.subarray(0, available - first))
  read = (read + available) & POSITION_MASK
  Atomics.store(state, READ, read)
  // A logging thread waiting for room (the ring was full) wakes up.
  Atomics.notify(state, READ)
  return text
}

async function write (stream: LogshipStream, text: string): Promise<void> {
  if (text.length === 0) return
  if (!stream.write(text)) await new Promise((resolve) => stream.once('drain', resolve))
}

function answerFlushes (stream: LogshipStream): void {
  while (flushes.length > 0 && reached(flushes[0].upTo)) {
    const { id } = flushes.shift()!
    stream.flush((err) => post(err == null ? { code: 'FLUSHED', id } : { code: 'FLUSHED', id, error: errorPayload(err).message }))
  }
}

/** Sleeps until the doorbell moves from `bell` (a write or the close request) or POLL_MS passes. */
async function sleep (bell: number): Promise<void> {
  Atomics.store(state, READER_SLEEPING, 1)
  const wait = waitAsync(state, DOORBELL, bell, POLL_MS)
  if (wait.async) await wait.value
  Atomics.store(state, READER_SLEEPING, 0)
}

async function drain (stream: LogshipStream): Promise<void> {
  for (;;) {
    // The doorbell first, then CLOSING, then WRITE: whatever the logging thread does after these
    // reads rings the bell, and the sleep below then returns at once. CLOSING before WRITE: the
    // logging thread publishes its last bytes before it asks for the close.
    const bell = Atomics.load(state, DOORBELL)
    const closing = Atomics.load(state, CLOSING) === 1
    const written = Atomics.load(state, WRITE)
    if (written !== read) {
      await write(stream, readChunk(written))
      answerFlushes(stream)
      // The producer's timers and sockets run between chunks.
      await nextTurn()
      continue
    }
    answerFlushes(stream)
    if (closing) return
    await sleep(bell)
  }
}

/** Also when this thread ends for any other reason: a logging thread waiting for room or for the close is released. */
function markClosed (): void {
  Atomics.store(state, CLOSED, 1)
  Atomics.notify(state, CLOSED)
  Atomics.notify(state, READ)
}
process.on('exit', markClosed)

async function main (): Promise<void> {
  let stream: LogshipStream
  try {
    stream = await createTransport(init.options, { droppedElsewhere: () => Atomics.load(state, DROPPED_BEFORE_CLOSE) })
  } catch (err) {
    post({ code: 'FAILED', message: errorPayload(err).message })
    markClosed()
    port.close()
    return
  }
  // The port's listener keeps this thread alive while it sleeps: Atomics.waitAsync alone does not.
  port.on('message', (message: ToDestinationWorker) => {
    if (message.code === 'FLUSH') {
      flushes.push({ id: message.id, upTo: message.upTo })
      answerFlushes(stream)
    }
  })
  post({ code: 'READY' })
  await drain(stream)
  await write(stream, decoder.end())
  let summary: SummaryPayload | undefined
  try {
    summary = await stream.close()
  } catch {
    // close() reports its own failure (transport.ts); the logging thread then reports a timed-out close.
  }
  post({ code: 'CLOSED', summary })
  markClosed()
  port.close()
}

void main()
