/**
 * Starting processes of a run: every one carries the run's marker (so the
 * teardown and a later sweep can find it and its children) and, inside a
 * host, the host's info; every one is detached into its own process group
 * (so a CPU stop or a kill reaches its children too).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { extname } from 'node:path'
import { HostEmulationError } from './errors.js'
import type { HostInfo, HostSpawnOptions } from './host.js'
import { RUN_MARKER_ENV, startTimeOf } from './proc.js'
import type { RunState } from './run-state.js'

/** Environment variable holding a host process's HostInfo (JSON). */
export const HOST_INFO_ENV = 'VBOOM_TESTNET_HOST'

/** The command starting a Node entry: tsx's loader when it is TypeScript (run from source). */
export function nodeCommand(entry: string, args: readonly string[]): [string, string[]] {
  return [process.execPath, [...(extname(entry) === '.ts' ? ['--import', 'tsx'] : []), entry, ...args]]
}

/** Whether a run is still up; hosts refuse to start processes once it is closed. */
export interface RunLife {
  closed: boolean
}

/** Spawns and records a process of run `state`; throws FABRIC_CLOSED once the run is closed. */
export function spawnRecorded(
  life: RunLife,
  state: RunState,
  command: string,
  args: readonly string[],
  opts: HostSpawnOptions,
  info: HostInfo | null,
): ChildProcess {
  if (life.closed)
    throw new HostEmulationError(
      'FABRIC_CLOSED',
      `run ${state.runId} is closed: its hosts are gone. Create a new fabric to start processes`,
    )
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, [RUN_MARKER_ENV]: state.runId }
  if (info !== null) env[HOST_INFO_ENV] = JSON.stringify(info)
  else delete env[HOST_INFO_ENV]
  const child = spawn(command, [...args], {
    env,
    cwd: opts.cwd,
    stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  if (child.pid !== undefined) {
    const start = startTimeOf(child.pid)
    if (start !== null) state.add({ kind: 'process', pid: child.pid, start })
  }
  return child
}
