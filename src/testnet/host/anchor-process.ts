/**
 * The anchor of a testnet run as a process (anchor-main.ts), started outside
 * the hosts with `fabric.spawnOutside`: in root mode it listens in the run's
 * hub namespace, on the address every host reaches. Killed and started again
 * with the same data dir and address, it is the same anchor (same keys, same
 * multiaddr, its ledger and coordinator state on disk).
 */
import type { ChildProcess } from 'node:child_process'
import { openSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LogLevel } from '../../runtime/log.js'
import type { HostFabric } from '../hosts/index.js'
import { nodeCommand } from '../hosts/spawn.js'
import { SupervisorError, SupervisorErrorCode } from './errors.js'

const here = fileURLToPath(import.meta.url)
const ANCHOR_ENTRY = join(dirname(here), `anchor-main${extname(here)}`)
/** How long the anchor may take to listen, ms (tsx compiles, the benchmark suite is built at its first start). */
const START_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 30_000

export interface AnchorProcessInit {
  fabric: HostFabric
  dataDir: string
  /** Where it listens, e.g. /ip4/<fabric.outsideAddress>/tcp/4100: fixed, so a restart keeps its multiaddr. */
  listen: string
  /** Each location's supervisor socket: how the anchor boots its verification image there. */
  hosts: Record<string, string>
  /** Its log (appended). */
  logFile: string
  logLevel?: LogLevel
}

export interface AnchorInfo {
  peerId: string
  multiaddrs: string[]
  /** The anchor's signing key, hex. */
  publicKey: string
}

export class AnchorProcess {
  private child: ChildProcess | null = null
  private exit: Promise<void> = Promise.resolve()
  info: AnchorInfo | null = null

  private constructor(private readonly init: AnchorProcessInit) {}

  static async start(init: AnchorProcessInit): Promise<AnchorProcess> {
    const a = new AnchorProcess(init)
    await a.launch()
    return a
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null
  }

  private async launch(): Promise<void> {
    const { fabric, dataDir, listen, hosts, logFile } = this.init
    const hostsFile = join(dataDir, 'hosts.json')
    await writeFile(hostsFile, JSON.stringify(hosts))
    const [cmd, args] = nodeCommand(ANCHOR_ENTRY, [dataDir, listen, hostsFile, this.init.logLevel ?? 'info'])
    const child = fabric.spawnOutside(cmd, args, { stdio: ['ignore', 'pipe', openSync(logFile, 'a', 0o600)] })
    this.child = child
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()))
    this.info = await new Promise<AnchorInfo>((resolve, reject) => {
      let out = ''
      const fail = (why: string): void => {
        clearTimeout(timer)
        reject(
          new SupervisorError(
            SupervisorErrorCode.START_FAILED,
            `the anchor did not start: ${why}; read ${logFile}`,
          ),
        )
      }
      const timer = setTimeout(() => fail(`no address within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS)
      const onExit = (code: number | null, sig: NodeJS.Signals | null): void =>
        fail(`it exited (${code ?? sig})`)
      child.once('exit', onExit)
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d
        const nl = out.indexOf('\n')
        if (nl < 0) return
        clearTimeout(timer)
        child.off('exit', onExit)
        resolve(JSON.parse(out.slice(0, nl)) as AnchorInfo)
      })
    })
    child.stdout!.destroy()
  }

  /** The anchor's machine fails: SIGKILL, nothing flushed beyond what it had made durable. */
  async kill(): Promise<void> {
    if (this.alive) this.child!.kill('SIGKILL')
    await this.exit
  }

  /** Starts it again, same data dir and address. */
  async restart(): Promise<void> {
    if (this.alive) throw new SupervisorError(SupervisorErrorCode.WRONG_STATE, 'the anchor still runs')
    await this.launch()
  }

  async stop(): Promise<void> {
    if (!this.alive) return
    this.child!.kill('SIGTERM')
    const late = setTimeout(() => this.child?.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await this.exit
    clearTimeout(late)
  }
}
