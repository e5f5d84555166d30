/**
 * Runs' teardowns when the runner stops without closing them: on SIGINT and
 * SIGTERM (then the signal's default action, unless the program has its own
 * handlers, which then decide) and on exit (an uncaught error, process.exit).
 * A SIGKILL leaves the run for the next run's sweep.
 */
const live = new Map<string, () => void>()
let installed = false

function runAll(): void {
  for (const [id, teardown] of [...live]) {
    live.delete(id)
    teardown()
  }
}

function onSignal(sig: NodeJS.Signals): void {
  runAll()
  // Ours was the only handler: the signal's default action (end the process with it).
  if (process.listenerCount(sig) === 1) {
    process.off(sig, onSignal)
    process.kill(process.pid, sig)
  }
}

/** Runs `teardown` (synchronous) if the process stops before `unregister(runId)`. */
export function registerTeardown(runId: string, teardown: () => void, handleSignals: boolean): void {
  live.set(runId, teardown)
  if (installed) return
  installed = true
  process.on('exit', runAll)
  if (handleSignals) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
}

export function unregisterTeardown(runId: string): void {
  live.delete(runId)
}
