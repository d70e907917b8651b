/**
 * pino (≥8.21) posts `{ code: 'PINO_CONFIG', config: { levels, messageKey, errorKey } }` to the
 * worker when the logger is created, and marks the worker data with `pinoWillSendConfig`. The
 * message is normally queued before this module even loads, so waiting costs nothing; the bound
 * covers a transport stream that never reaches pino() directly (wrapped in pino.multistream),
 * where the mapping falls back to the options.
 */
import { parentPort } from 'node:worker_threads'
import type { PinoConfig } from './options.js'
import { pinoWillSendConfig } from './worker-events.js'

const WAIT_MS = 1000

export function receivePinoConfig (waitMs = WAIT_MS): Promise<PinoConfig | undefined> {
  const port = parentPort
  if (port === null || !pinoWillSendConfig()) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(undefined), waitMs)
    timer.unref()
    function onMessage (message: unknown): void {
      const msg = message as { code?: unknown, config?: unknown } | null
      if (msg?.code === 'PINO_CONFIG' && msg.config !== null && typeof msg.config === 'object') finish(msg.config as PinoConfig)
    }
    function finish (config: PinoConfig | undefined): void {
      clearTimeout(timer)
      port!.off('message', onMessage)
      resolve(config)
    }
    port.on('message', onMessage)
  })
}
