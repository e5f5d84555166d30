/**
 * Runs' teardowns when the runner stops without closing them: on SIGINT and
 * SIGTERM, then the process ends (by the signal when no other handler is
 * left, else with exit status 128 + its number: a handler that waits for a
 * second signal, as signal-exit's does when others listen, must not keep it
 * alive), and on exit (an uncaught error, process.exit). A program with its
 * own shutdown passes handleSignals: false and closes the fabric itself.
 * A SIGKILL leaves the run for the next run's sweep.
 */
import { constants } from 'node:os'

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
  process.off(sig, onSignal)
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
  else process.exit(128 + (constants.signals[sig] ?? 0))
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
