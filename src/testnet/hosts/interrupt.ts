/**
 * A run's start-up (building the hosts and the VM disks, starting the anchor
 * and the hosts' supervisors) stops at the first SIGINT or SIGTERM: each step
 * checks the run's abort signal before it starts, and a step that waits on a
 * process (a supervisor's "ready") is given up at once; the run's teardown
 * then removes whatever was built, the given-up step's process included
 * (every process of a run is recorded, and a closed run starts none).
 */
import { HostEmulationError } from './errors.js'

function interrupted(): HostEmulationError {
  return new HostEmulationError(
    'INTERRUPTED',
    'the run was interrupted during its start-up; everything it had built is removed',
  )
}

/** Throws HostEmulationError INTERRUPTED once `signal` has aborted. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw interrupted()
}

/**
 * `step`, or HostEmulationError INTERRUPTED as soon as `signal` aborts,
 * whichever comes first. A step given up runs on; its outcome is dropped.
 */
export async function untilInterrupted<T>(signal: AbortSignal | undefined, step: Promise<T>): Promise<T> {
  if (signal === undefined) return await step
  throwIfInterrupted(signal)
  // the step's own failure after it was given up is of no interest
  step.catch(() => {})
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(interrupted())
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([step, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort!)
  }
}
