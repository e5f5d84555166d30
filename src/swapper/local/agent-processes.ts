/**
 * Runs the two agents of a local swap as child processes (agent-main.ts),
 * with the coordinator in this process answering over IPC: three processes,
 * each of which can crash on its own. An agent that dies is restarted with
 * the same configuration (it resumes from its journal) up to `maxRestarts`
 * times; its peer meanwhile retries its connection.
 */
import { type ChildProcess, fork, type StdioOptions, spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Coordinator } from '../coordinator/coordinator.js'
import { serveCoordinatorIpc } from '../coordinator/ipc-coordinator.js'
import { AgentCrashedError, SwapError } from '../errors.js'
import type { SwapProgressEvent, SwapSideReport } from '../events.js'
import type { Role } from '../index/manifest.js'
import type { AgentMessage, AgentProcessConfig, SerializedError } from './agent-main.js'

/** Restarts per agent: enough for a crash or two, few enough that a crash loop ends. */
export const DEFAULT_MAX_RESTARTS = 3
/** How long a previous run's orphaned agent gets to notice its coordinator is gone and exit. */
const ORPHAN_GRACE_MS = 10_000

const here = fileURLToPath(import.meta.url)
/** Same extension as this module: .ts when run from source (tsx, tap), .js when compiled. */
const ENTRY = join(here, '..', `agent-main${extname(here)}`)
/** The compiled entry in one module (scripts/bundle.mjs): ~60 ms to load instead of ~250 ms. */
const BUNDLE = join(here, '..', 'agent-main.bundle.js')

let warnedStale = false

/**
 * The module an agent process runs: the bundle when it was built from the
 * compiled code beside it (not older than it: tsc rewrites every output, so a
 * later tsc without the bundle step makes it stale), else agent-main itself.
 * From source there is no bundle.
 */
export function agentEntry(entry = ENTRY, bundle = BUNDLE): string {
  if (extname(entry) !== '.js') return entry
  let bundled: number
  try {
    bundled = statSync(bundle).mtimeMs
  } catch {
    return entry
  }
  if (bundled >= statSync(entry).mtimeMs) return bundle
  if (!warnedStale) {
    warnedStale = true
    process.emitWarning(
      `${bundle} is older than the compiled code; agents load the slower unbundled modules. Rebuild with npm run build`,
    )
  }
  return entry
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits for an agent process left by a crashed earlier run (its pid file) to exit; kills it after a grace period. */
async function reapOrphan(pidFile: string): Promise<void> {
  let pid: number
  try {
    pid = Number(await readFile(pidFile, 'utf8'))
  } catch {
    return
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  if (Number.isInteger(pid) && pid > 0 && cmdline.includes('agent-main')) {
    const deadline = Date.now() + ORPHAN_GRACE_MS
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    if (alive(pid)) process.kill(pid, 'SIGKILL')
    while (alive(pid)) await new Promise((r) => setTimeout(r, 20))
  }
  await rm(pidFile, { force: true })
}

function revive(e: SerializedError): Error {
  const err = new SwapError(
    e.code ?? 'REMOTE',
    e.message,
    e.cause === undefined ? undefined : { cause: revive(e.cause) },
  )
  // keep the agent's error name: callers and tests branch on it
  err.name = e.name
  return err
}

/**
 * Starts an agent process, idle until it is sent its configuration. Node's
 * start-up and module loading take ~0.1 s (bundled), ~0.3 s (compiled) or
 * ~0.65 s (tsx), so swapImages starts both while it checks the disks.
 * `wrap`: a command prefix, e.g. ['ip', 'netns', 'exec', 'ns-a'].
 */
export function spawnAgentProcess(wrap?: string[]): ChildProcess {
  const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc']
  // a wrapper (e.g. `ip netns exec NS`) execs node with the IPC fd and NODE_CHANNEL_FD inherited
  return wrap === undefined || wrap.length === 0
    ? fork(agentEntry(), [], { execArgv: process.execArgv, stdio })
    : spawn(wrap[0]!, [...wrap.slice(1), process.execPath, ...process.execArgv, agentEntry()], { stdio })
}

export interface AgentProcessesOptions {
  coordinator: Coordinator
  workDir: string
  maxRestarts?: number
  onProgress?: (e: SwapProgressEvent) => void
  /** Command prefix per agent, e.g. ['ip', 'netns', 'exec', 'ns-a'] to run it in a network namespace. */
  wrap?: Partial<Record<Role, string[]>>
  /** Processes started earlier with spawnAgentProcess (same `wrap`), used for the first attempt. */
  spawned?: Partial<Record<Role, ChildProcess>>
  /**
   * Cancels the swap: each agent is told over IPC (agent-main.ts). An agent
   * that dies after that is still restarted, told at once, so that it votes
   * abort and removes its staging (before the commit point) or records where
   * it stopped (after).
   */
  signal?: AbortSignal
}

/** Tells an agent process to cancel its swap; a process already gone needs no telling. */
function sendCancel(child: ChildProcess): void {
  if (child.connected) child.send({ t: 'cancel' }, undefined, {}, () => undefined)
}

export async function runAgentProcesses(
  configs: Record<Role, AgentProcessConfig>,
  opts: AgentProcessesOptions,
): Promise<Record<Role, PromiseSettledResult<SwapSideReport>>> {
  const runRole = async (role: Role): Promise<SwapSideReport> => {
    const pidFile = join(opts.workDir, `${role}.pid`)
    await reapOrphan(pidFile)
    for (let attempt = 0; ; attempt++) {
      const config = attempt === 0 ? configs[role] : { ...configs[role], crashAt: undefined }
      const child = (attempt === 0 ? opts.spawned?.[role] : undefined) ?? spawnAgentProcess(opts.wrap?.[role])
      await writeFile(pidFile, String(child.pid))
      serveCoordinatorIpc(child, role, opts.coordinator)
      const cancel = (): void => sendCancel(child)
      const outcome = await new Promise<AgentMessage | { t: 'died'; how: string }>((resolve) => {
        let last: AgentMessage | null = null
        child.on('message', (m: unknown) => {
          const msg = m as AgentMessage
          if (msg.t === 'event') opts.onProgress?.(msg.e as SwapProgressEvent)
          else if (msg.t === 'report' || msg.t === 'error') last = msg
        })
        child.on('exit', (code, signal) => resolve(last ?? { t: 'died', how: signal ?? `exit code ${code}` }))
        child.send({ t: 'start', config })
        // after `start` on the same channel: the agent reads them in this order
        if (opts.signal?.aborted === true) cancel()
        else opts.signal?.addEventListener('abort', cancel, { once: true })
      })
      opts.signal?.removeEventListener('abort', cancel)
      await rm(pidFile, { force: true })
      if (outcome.t === 'report') return outcome.r
      if (outcome.t === 'error') throw revive(outcome.err)
      if (outcome.t === 'died') {
        if (attempt >= (opts.maxRestarts ?? DEFAULT_MAX_RESTARTS)) {
          throw new AgentCrashedError(role, outcome.how, attempt + 1)
        }
        opts.onProgress?.({
          type: 'note',
          role,
          message: `agent process died (${outcome.how}); restarting it`,
        })
      }
    }
  }
  const [a, b] = await Promise.allSettled([runRole('a'), runRole('b')])
  return { a: a!, b: b! }
}
