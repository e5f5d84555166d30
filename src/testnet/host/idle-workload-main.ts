/**
 * The built-in 'idle' workload: a VM that runs nothing but its agent. It
 * reports its start and its end, as every workload does, to its status file.
 *
 *   node idle-workload-main.js <vm-root> --status <file>
 */
import { appendFileSync } from 'node:fs'

const [root, flag, statusFile] = process.argv.slice(2)
if (root === undefined || flag !== '--status' || statusFile === undefined) {
  process.stderr.write('usage: idle-workload-main <vm-root> --status <status-file.jsonl>\n')
  process.exit(2)
}
const report = (body: Record<string, unknown>): void =>
  appendFileSync(statusFile, `${JSON.stringify({ atMs: Date.now(), workload: 'idle', ...body })}\n`)
report({ type: 'start' })
const timer = setInterval(() => undefined, 1 << 30)
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.once(sig, () => {
    clearInterval(timer)
    report({ type: 'end', reason: 'signal' })
    process.exit(143)
  })
