/**
 * User code (send callbacks, event listeners) runs synchronously inside the engine. One that
 * throws must never break the engine's bookkeeping: each call is guarded, and the first throw is
 * reported as a process warning (once per producer, so a listener that always throws cannot
 * flood the process). An async one is guarded too: its rejected promise is reported the same way,
 * instead of becoming an unhandled rejection that would end the process.
 */
import type { EventEmitter } from 'node:events'

export class UserCodeGuard {
  #warned = false

  /** Calls every listener of `event` with `payload`, each guarded. */
  emit (emitter: EventEmitter, event: string, payload: unknown): void {
    const listeners = emitter.rawListeners(event) as Array<(arg: unknown) => void>
    for (let i = 0; i < listeners.length; i++) {
      try {
        this.#watch(listeners[i].call(emitter, payload), `a '${event}' listener`)
      } catch (thrown) {
        this.#warnOnce(`a '${event}' listener threw`, thrown)
      }
    }
  }

  /** Calls each callback with `arg`, each guarded; `what` names them in a warning ('a send() callback'). */
  callEach<T> (callbacks: ReadonlyArray<(arg: T) => void>, arg: T, what: string): void {
    for (let i = 0; i < callbacks.length; i++) {
      try {
        this.#watch(callbacks[i](arg), what)
      } catch (thrown) {
        this.#warnOnce(`${what} threw`, thrown)
      }
    }
  }

  /** Calls `fn()` guarded; `what` names it in a warning ('the diagnostics logger'). */
  call (fn: () => unknown, what: string): void {
    try {
      this.#watch(fn(), what)
    } catch (thrown) {
      this.#warnOnce(`${what} threw`, thrown)
    }
  }

  /** A promise the user code returned: its rejection is reported, not left unhandled. */
  #watch (returned: unknown, what: string): void {
    if (returned === undefined || returned === null) return
    const then = (returned as { then?: unknown }).then
    if (typeof then !== 'function') return
    then.call(returned, undefined, (rejected: unknown) => this.#warnOnce(`${what} (its promise rejected)`, rejected))
  }

  #warnOnce (what: string, thrown: unknown): void {
    if (this.#warned) return
    this.#warned = true
    try {
      process.emitWarning(`${what} (ignored; reported once per producer): ${describeThrown(thrown)}`, { code: 'LOGSHIP_USER_CODE_THREW' })
    } catch {
      // Nothing of the user's own failure may escape into the engine, not even through the report.
    }
  }
}

/**
 * What was thrown, as text. Anything can be thrown: an object without a prototype, or whose
 * toString throws, has no string form, and String() on it would throw inside the guard.
 */
function describeThrown (thrown: unknown): string {
  try {
    return thrown instanceof Error ? String(thrown.message) : String(thrown)
  } catch {
    try {
      return Object.prototype.toString.call(thrown)
    } catch {
      return 'a value without a string form'
    }
  }
}
