/**
 * Shared plumbing for CLI commands: turning errors into one clear line and
 * an exit code, and running a long-lived node until SIGINT/SIGTERM.
 */
import { VBoomError } from '../protocols/errors.js'

/** Exit codes: 1 = runtime failure, 2 = bad usage (flags, config, data dir). */
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

export function fail(err: unknown): never {
  if (err instanceof VBoomError) {
    process.stderr.write(`vboom: ${err.message}\n`)
    process.exit(err.name === 'UsageError' ? EXIT_USAGE : EXIT_FAILURE)
  }
  const msg = err instanceof Error ? err.message : String(err)
  process.stderr.write(
    `vboom: unexpected error: ${msg}\n(run with --log-level debug for details, and report it if it persists)\n`,
  )
  process.exit(EXIT_FAILURE)
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      process.once(sig, () => process.exit(130))
      resolve(sig)
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}
