/**
 * winston has no exit hook, so worker-mode transports share this one `process.on('exit')`
 * listener. At exit every live transport first hands its last records and a close request to its
 * worker (so the workers deliver in parallel), then the exit path waits for each worker,
 * synchronously and at most until that transport's close deadline. The listener exists only while
 * some transport is open; nothing happens on import. No signal handlers: on SIGINT/SIGTERM the
 * application decides (a handler that calls process.exit() gets this delivery).
 */

export interface ExitParticipant {
  /** Posts what is queued and a close request (if none is under way); returns the wait deadline (epoch ms). */
  beginExit (): number
  /** Blocks until the worker reports closed or `deadline` passes. */
  waitExit (deadline: number): void
}

const live = new Set<ExitParticipant>()
let installed = false

function onExit (): void {
  const waits: Array<[ExitParticipant, number]> = []
  for (const participant of live) {
    try {
      waits.push([participant, participant.beginExit()])
    } catch {
      // One transport's trouble must not cost the others their records.
    }
  }
  for (const [participant, deadline] of waits) {
    try {
      participant.waitExit(deadline)
    } catch {
      // As above.
    }
  }
}

export function registerForExit (participant: ExitParticipant): void {
  live.add(participant)
  if (!installed) {
    installed = true
    process.on('exit', onExit)
  }
}

export function unregisterForExit (participant: ExitParticipant): void {
  live.delete(participant)
  if (installed && live.size === 0) {
    installed = false
    process.removeListener('exit', onExit)
  }
}

/** For tests: how many transports wait at exit. */
export function exitRegistrySize (): number {
  return live.size
}
