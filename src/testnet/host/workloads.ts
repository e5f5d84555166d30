/**
 * Which program runs a VM's workload: the kind /workload/spec.json names,
 * looked up in a small registry. The testnet's workloads (src/testnet/
 * workloads/) run through their one entry, `main <vm-root> --status <file>`;
 * 'idle' is built in (a VM that only runs its agent), with the same arguments.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SupervisorError, SupervisorErrorCode } from './errors.js'

export interface WorkloadLaunch {
  kind: string
  entry: string
  args: string[]
}

const here = fileURLToPath(import.meta.url)
const beside = (dir: string, name: string): string => join(dir, `${name}${extname(here)}`)

/** The built-in idle workload's entry. */
export const IDLE_WORKLOAD_ENTRY = beside(dirname(here), 'idle-workload-main')
/** The testnet workloads' entry, when they are part of this build. */
const WORKLOADS_ENTRY = beside(join(dirname(here), '..', 'workloads'), 'main')

/**
 * How to start the workload of the VM at `root`, or null when its disk names
 * none. A kind with no runner here is an error the supervisor reports.
 */
export async function workloadLaunch(root: string, statusFile: string): Promise<WorkloadLaunch | null> {
  let text: string
  try {
    text = await readFile(join(root, 'workload', 'spec.json'), 'utf8')
  } catch {
    return null
  }
  let kind: unknown
  try {
    kind = (JSON.parse(text) as { kind?: unknown }).kind
  } catch {
    kind = undefined
  }
  const args = [root, '--status', statusFile]
  if (kind === 'idle') return { kind, entry: IDLE_WORKLOAD_ENTRY, args }
  if (typeof kind !== 'string')
    throw new SupervisorError(
      SupervisorErrorCode.NO_WORKLOAD_RUNNER,
      "/workload/spec.json names no kind: fix the VM disk's workload spec",
    )
  if (!existsSync(WORKLOADS_ENTRY))
    throw new SupervisorError(
      SupervisorErrorCode.NO_WORKLOAD_RUNNER,
      `no runner for workload kind "${kind}" in this build (only "idle" is built in)`,
    )
  // the workloads' own entry reads the spec again and checks it in full
  return { kind, entry: WORKLOADS_ENTRY, args }
}
