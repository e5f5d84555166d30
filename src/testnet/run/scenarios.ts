/**
 * The scenarios `vboom testnet` runs: hosts with their hardware profiles,
 * and the VMs that start on them (owner, workload, needs). The default one
 * finishes in a few minutes on a 2-core machine and shows one swap helping
 * both sides; sizes are small because the machine is shared.
 */
import type { Needs } from '../../protocols/advert.js'
import type { HostProfile, HostSpec } from '../hosts/index.js'
import { TestnetRunError, TestnetRunErrorCode } from './errors.js'

const MiB = 2 ** 20

/** A VM of a scenario: where it starts and what it runs. */
export interface ScenarioVm {
  name: string
  /** The owner's name (one key per name). */
  owner: string
  /** The host it starts on. */
  host: string
  /**
   * /workload/spec.json; `master` in a DFSIO worker's spec is filled in by
   * the runner with the address the named VM's host advertises.
   */
  workload: Record<string, unknown> & { kind: string }
  /** The DFSIO worker's master, by VM name. */
  masterVm?: string
  /** The owner's declared needs (config weights, advertised as they are). */
  needs: Needs
  /** The metric its improvement is judged by; null: not judged. */
  judgedBy: 'disk-write' | 'cpu' | null
}

export interface Scenario {
  name: string
  title: string
  hosts: HostSpec[]
  vms: ScenarioVm[]
  /** Each VM disk, bytes: holds the profiler's disk benchmark file (128 MiB) and a DFSIO task. */
  vmDiskBytes: number
  /** How long the run may take at most, s (the --duration default). */
  durationS: number
  /** After the swaps, how long the VMs run on their new hosts before the run ends, s. */
  afterS: number
  notes: string[]
}

/** A slow disk against good ones, 1:4: the market's log-ratio clamp (utility.ts maxLogRatio) is 4x. */
const SLOW_DISK_MBPS = 12
const GOOD_DISK_MBPS = 48
/**
 * A CPU-interfered host against a quiet one, in cores of this machine. 0.1:
 * a quota binds only below the share a process gets anyway, and a shared
 * 2-core machine under load gives each runnable process well under a core.
 */
const BUSY_CPU_CORES = 0.1
const GOOD_CPU_CORES = 1
/** The other hosts: good disks, middling CPU, so neither of the two main VMs gains by moving there and back. */
const OTHER_CPU_CORES = 0.3
/**
 * DFSIO task: 12 writes of the workload's 1 MiB chunk, so a task's own rate
 * is the disk's limit; tasks enough to keep the worker busy beyond the run.
 */
const TASK_BYTES = 12 * MiB
const TASKS = 2_000
/** 192 MiB: the profiler's 128 MiB disk-write benchmark file and a task's 12 MiB fit, with room. */
const VM_DISK_BYTES = 192 * MiB

function host(name: string, profile: HostProfile): HostSpec {
  return { name, profile }
}

/** The default: 4 hosts; the disk-bound VM on the slow disk and the CPU-bound VM on the busy CPU swap. */
export function swapScenario(hosts: number): Scenario {
  if (!Number.isInteger(hosts) || hosts < 3 || hosts > 16)
    throw new TestnetRunError(
      TestnetRunErrorCode.BAD_OPTION,
      `the swap scenario runs on 3 to 16 hosts, got ${hosts}: give --hosts within that range`,
    )
  const specs: HostSpec[] = [
    host('slow-disk', { diskWriteMBps: SLOW_DISK_MBPS, cpuCores: GOOD_CPU_CORES }),
    host('busy-cpu', { diskWriteMBps: GOOD_DISK_MBPS, cpuCores: BUSY_CPU_CORES }),
    host('master', { diskWriteMBps: GOOD_DISK_MBPS, cpuCores: OTHER_CPU_CORES }),
  ]
  for (let i = 4; i <= hosts; i++)
    specs.push(host(`spare-${i - 3}`, { diskWriteMBps: GOOD_DISK_MBPS, cpuCores: OTHER_CPU_CORES }))
  const vms: ScenarioVm[] = [
    {
      name: 'dfsio-1',
      owner: 'alice',
      host: 'slow-disk',
      workload: { kind: 'dfsio-worker' },
      masterVm: 'dfsio-master',
      needs: { diskWrite: 0.8 },
      judgedBy: 'disk-write',
    },
    {
      name: 'cpu-1',
      owner: 'bob',
      host: 'busy-cpu',
      workload: { kind: 'cpu' },
      needs: { cpu: 0.8 },
      judgedBy: 'cpu',
    },
    {
      name: 'dfsio-master',
      owner: 'alice',
      host: 'master',
      workload: { kind: 'dfsio-master', tasks: TASKS, taskBytes: TASK_BYTES, lingerS: 5 },
      // the master keeps the job's state on its disk: a slower disk is a loss to it, so it stays
      needs: { diskWrite: 0.3 },
      judgedBy: null,
    },
  ]
  for (let i = 4; i <= hosts; i++)
    vms.push({
      name: `idle-${i - 3}`,
      owner: 'carol',
      host: `spare-${i - 3}`,
      workload: { kind: 'idle' },
      needs: { diskWrite: 0.5 },
      judgedBy: null,
    })
  return {
    name: 'swap',
    title: 'A disk-bound VM on a slow disk and a CPU-bound VM on a busy CPU swap hosts',
    hosts: specs,
    vms,
    vmDiskBytes: VM_DISK_BYTES,
    durationS: 600,
    afterS: 30,
    notes: [
      `disks ${SLOW_DISK_MBPS} MB/s (slow-disk) against ${GOOD_DISK_MBPS} MB/s; CPU ${BUSY_CPU_CORES} cores (busy-cpu) against ${GOOD_CPU_CORES} (slow-disk)`,
      'the agents profile every few seconds (cpu and disk-write benchmarks only) so the adverts carry enough samples within the run',
    ],
  }
}

export const SCENARIOS = ['swap'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

export function scenarioByName(name: string, hosts: number): Scenario {
  if (name === 'swap' || name === 'default') return swapScenario(hosts)
  throw new TestnetRunError(
    TestnetRunErrorCode.UNKNOWN_SCENARIO,
    `no scenario "${name}": choose one of ${SCENARIOS.join(', ')}`,
  )
}
