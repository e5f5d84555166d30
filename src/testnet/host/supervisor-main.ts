/**
 * A testnet host's supervisor process, started inside the host
 * (supervisor-process.ts does it with `host.spawnNode`):
 *
 *   node supervisor-main.js [--hash-disk] [--crash-at phase:type:n] [--log-level level]
 *
 * Prints `ready <socket>` once it listens, then boots the host. SIGTERM (or a
 * `shutdown` request) stops the VM, puts its disk back and ends the process.
 */
import '../../polyfill.js'
import { createLogger, LOG_LEVELS, type LogLevel } from '../../runtime/log.js'
import { HostRuntime } from '../hosts/index.js'
import { hostLayout } from './layout.js'
import { Supervisor } from './supervisor.js'

const USAGE = 'usage: supervisor-main [--hash-disk] [--crash-at phase:type:n] [--log-level level]'

function parseArgs(argv: string[]): { hashDisk: boolean; crashAt?: string; logLevel: LogLevel } {
  const out: { hashDisk: boolean; crashAt?: string; logLevel: LogLevel } = {
    hashDisk: false,
    logLevel: 'info',
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--hash-disk') out.hashDisk = true
    else if (a === '--crash-at' && argv[i + 1] !== undefined) out.crashAt = argv[++i]
    else if (a === '--log-level' && LOG_LEVELS.includes(argv[i + 1] as LogLevel))
      out.logLevel = argv[++i] as LogLevel
    else {
      process.stderr.write(`${USAGE}\n`)
      process.exit(2)
    }
  }
  return out
}

const args = parseArgs(process.argv.slice(2))
const runtime = HostRuntime.current()
const info = runtime.info
const log = createLogger(args.logLevel, { host: info.name })
const supervisor = new Supervisor({
  info,
  layout: hostLayout(info),
  log,
  hashDisk: args.hashDisk,
  crashAt: args.crashAt,
  // emulated mode: the anchor's verification image measures the host's disk as the VM's benchmarks do
  ioGate: runtime.diskGate(),
})
await supervisor.start()
process.stdout.write(`ready ${hostLayout(info).socket}\n`)
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void supervisor.shutdown())
await supervisor.done
log.info('supervisor stopped')
process.exit(0)
