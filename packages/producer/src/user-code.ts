/**
 * User code (send callbacks, event listeners) runs synchronously inside the engine. One that
 * throws must never break the engine's bookkeeping: each call is guarded, and the first throw is
 * reported as a process warning (once per producer, so a listener that always throws cannot
 * flood the process).
 */
import type { EventEmitter } from 'node:events'

export class UserCodeGuard {
  #warned = false

  /** Calls every listener of `event` with `payload`, each guarded. */
  emit (emitter: EventEmitter, event: string, payload: unknown): void {
    const listeners = emitter.rawListeners(event) as Array<(arg: unknown) => void>
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i].call(emitter, payload)
      } catch (thrown) {
        this.#warnOnce(`a '${event}' listener threw`, thrown)
      }
    }
  }

  /** Calls each callback with `arg`, each guarded. */
  callEach<T> (callbacks: ReadonlyArray<(arg: T) => void>, arg: T, what: string): void {
    for (let i = 0; i < callbacks.length; i++) {
      try {
        callbacks[i](arg)
      } catch (thrown) {
        this.#warnOnce(what, thrown)
      }
    }
  }

  #warnOnce (what: string, thrown: unknown): void {
    if (this.#warned) return
    this.#warned = true
    const detail = thrown instanceof Error ? thrown.message : String(thrown)
    process.emitWarning(`${what} (ignored; reported once per producer): ${detail}`, { code: 'LOGSHIP_USER_CODE_THREW' })
  }
}
