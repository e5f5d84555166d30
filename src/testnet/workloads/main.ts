/**
 * A VM's workload as a process of its host: the host supervisor starts it
 * with the VM's filesystem root and the status file in the host's run dir.
 *
 *   node workloads/main.js <vm-root> --status <file>
 *
 * Exit status: 0 when the work is done, 143 when stopped by SIGTERM/SIGINT
 * (the VM is leaving its host), 1 on failure (the reason on stderr and in
 * the status file).
 */
import { runWorkload } from './run.js'

const USAGE = 'usage: main <vm-root> --status <status-file.jsonl>'

function parseArgs(argv: string[]): { root: string; statusPath: string } {
  const [root, flag, statusPath] = argv
  if (root === undefined || flag !== '--status' || statusPath === undefined || argv.length !== 3) {
    process.stderr.write(`${USAGE}\n`)
    process.exit(2)
  }
  return { root, statusPath }
}

const args = parseArgs(process.argv.slice(2))
const stop = new AbortController()
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.once(sig, () => {
    stop.abort()
    process.exitCode = 143
  })
try {
  await runWorkload({ ...args, signal: stop.signal })
  process.exit(stop.signal.aborted ? 143 : 0)
} catch (err) {
  process.stderr.write(`workload failed: ${(err as Error).message}\n`)
  process.exit(1)
}
