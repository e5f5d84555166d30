/**
 * The end of a run, for both modes: in-process parts first (relay, grant
 * servers, timers), then everything on the system (teardown.ts), then the
 * record. A run that could not remove everything keeps its record, so the
 * sweep of a later run tries again once this process is gone.
 */
import { HostEmulationError } from './errors.js'
import { unregisterTeardown } from './exit-cleanup.js'
import type { RunState } from './run-state.js'
import { removeRun } from './teardown.js'

/** Removes what the run created on the system; true when nothing is left. */
export function teardownRun(state: RunState): string[] {
  const problems = removeRun(state.record)
  if (problems.length === 0) state.remove()
  return problems
}

export async function closeRun(state: RunState, inProcess: () => Promise<void>): Promise<void> {
  unregisterTeardown(state.runId)
  await inProcess().catch(() => {})
  const problems = teardownRun(state)
  if (problems.length > 0)
    throw new HostEmulationError(
      'TEARDOWN_INCOMPLETE',
      `run ${state.runId} could not remove everything: ${problems.join('; ')}. Its record stays in ${state.file}; the next run's sweep retries once this process has exited`,
    )
}
