import type { Command } from 'commander'
import { UsageError } from '../../protocols/errors.js'
import { createLogger, type LogLevel } from '../../runtime/log.js'
import { type MeshReport, meshView, startMesh, waitConverged } from '../../testnet/mesh.js'
import { logLevelOption } from '../options.js'

interface TestnetFlags {
  agents: string
  otherClass: string
  timeout: string
  json?: boolean
  logLevel: LogLevel
}

function count(v: string, what: string, min: number, max: number): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError('BAD_FLAG', `${what} must be a whole number from ${min} to ${max}, got "${v}"`)
  }
  return n
}

function formatMesh(r: MeshReport): string {
  const lines = [`anchor ${r.anchor}`]
  lines.push(
    r.convergedMs === null
      ? 'NOT converged: some agents are missing adverts (see below)'
      : `every agent sees every other agent of its class after ${(r.convergedMs / 1000).toFixed(2)} s`,
  )
  for (const a of r.agents) {
    lines.push(
      `${a.location.padEnd(8)} ${a.peerId.slice(-8)} class ${a.classId.padEnd(26)} sees ${a.sees.join(', ') || '-'}`,
    )
  }
  return `${lines.join('\n')}\n`
}

export function registerTestnet(program: Command): void {
  program
    .command('testnet')
    .description('run a local mesh: an anchor and several agents on 127.0.0.1, and print what each sees')
    .option('-n, --agents <n>', 'agents of the main instance class', '5')
    .option('--other-class <n>', 'agents of a second class (they must see none of the first)', '2')
    .option('--timeout <s>', 'seconds to wait for every agent to see every peer of its class', '30')
    .option('--json', 'print the report as JSON')
    .addOption(logLevelOption().default('warn'))
    .action(async (flags: TestnetFlags) => {
      const agents = count(flags.agents, '--agents', 1, 200)
      const other = count(flags.otherClass, '--other-class', 0, 200)
      const timeoutMs = count(flags.timeout, '--timeout', 1, 3600) * 1000
      const log = createLogger(flags.logLevel)
      process.stderr.write(`starting an anchor and ${agents + other} agents on 127.0.0.1 ...\n`)
      const mesh = await startMesh({ agents, otherClassAgents: other, timeoutMs, log })
      try {
        const convergedMs = await waitConverged(mesh.agents, timeoutMs)
        const report = meshView(mesh, convergedMs)
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatMesh(report))
        if (convergedMs === null) process.exitCode = 1
      } finally {
        await mesh.stop()
      }
    })
}
