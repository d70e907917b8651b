/**
 * One module-level `beforeExit` listener shared by every producer that holds unsettled records.
 * A producer joins the registry when it accepts a record while idle and leaves it when it is idle
 * again (everything settled) or closed/destroyed, so the listener exists only while some producer
 * has something to lose, idle or forgotten producers are not kept reachable, and many producers
 * still add one listener. Nothing happens on import. No signal handlers: on SIGINT/SIGTERM the
 * application decides (and should call close()).
 */

export interface ExitFlushable {
  /** Called when the event loop is empty: send what is buffered; the requests keep the loop alive. */
  exitFlush (): void
}

const registry = new Set<ExitFlushable>()
let installed = false

function onBeforeExit (): void {
  for (const producer of [...registry]) {
    try {
      producer.exitFlush()
    } catch {
      // One producer's trouble must not stop the others from flushing.
    }
  }
}

export function registerForExit (producer: ExitFlushable): void {
  registry.add(producer)
  if (!installed) {
    installed = true
    process.on('beforeExit', onBeforeExit)
  }
  // A producer may join from inside another 'beforeExit' listener (an application logging at
  // exit): that emission no longer calls ours, and an unref'd linger timer would not bring the
  // loop back. One turn of the loop makes Node emit 'beforeExit' again, which then flushes.
  setImmediate(noop)
}

function noop (): void {}

export function unregisterForExit (producer: ExitFlushable): void {
  registry.delete(producer)
  if (installed && registry.size === 0) {
    installed = false
    process.removeListener('beforeExit', onBeforeExit)
  }
}

/** For tests: how many producers are registered. */
export function exitRegistrySize (): number {
  return registry.size
}
