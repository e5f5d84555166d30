/**
 * The scenarios `vboom testnet` runs: hosts with their hardware profiles,
 * and the VMs that start on them (owner, workload, needs). The default one
 * finishes in a few minutes on a 2-core machine and shows one swap helping
 * both sides; sizes are small because the machine is shared.
 */
import type { AgentConfigInput } from '../../node/config.js'
import type { Needs } from '../../protocols/advert.js'
import type { HostProfile, HostSpec } from '../hosts/index.js'
import type { Placement } from '../report/index.js'
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
  /** Its agent's asking price, micro-credits (default 0: it swaps for mutual gain only). */
  askMicros?: number
  /** The most its agent pays for a swap, micro-credits (its config and its delegation; default the market's). */
  maxPriceMicros?: number
  /** Its agent's market config over the run's (world.ts RUN_MARKET), e.g. probes required. */
  market?: NonNullable<AgentConfigInput['market']>
  /** A net-stream's sink, by VM name: the runner fills `peer` with the address its host advertises. */
  peerVm?: string
  /**
   * A lying agent: its advert's disk-write claim is this factor times its
   * host's disk rate (a config override of the profile, as any agent's owner
   * can write one); the probes and checks of the run must catch it.
   */
  advertisedDiskFactor?: number
}

/** One run of a scenario: the VMs placed as the scenario says (baseline, vboom) or on their best hosts (oracle). */
export interface ScenarioRun {
  id: string
  label: string
  placement: Placement
}

export const VBOOM_RUN: ScenarioRun = { id: 'vboom', label: 'with VBoom', placement: 'vboom' }
export const BASELINE_RUN: ScenarioRun = { id: 'baseline', label: 'without VBoom', placement: 'baseline' }
export const ORACLE_RUN: ScenarioRun = { id: 'oracle', label: 'oracle placement', placement: 'oracle' }

/** The paper's result: TestDFSIO's 22 tasks took 2790 s without the agent and 2028 s with it. */
export const PAPER_REDUCTION_PCT = 27

export interface Scenario {
  name: string
  title: string
  /** Its runs, in order; the agents trade only in the 'vboom' one. */
  runs: ScenarioRun[]
  /**
   * 'after-swaps': afterS after the last swap; 'job-done': when the DFSIO job
   * is done; 'market-settled': once every swap agreed is done, afterS has
   * passed since the last one, and no agent has negotiated for a while.
   */
  endWhen: 'after-swaps' | 'job-done' | 'market-settled'
  /** Market-wide checks at the end (market-checks.ts): ownership on the disks, payments within limits, liars caught. */
  marketChecks?: boolean
  /** The oracle run's hosts, per VM (the others stay where they start). */
  oracleHosts?: Record<string, string>
  /** How the scenario scales the paper's experiment, for the report. */
  paperScale?: string
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
 * A CPU-interfered host against a quiet one, in cores of this machine. 0.2:
 * low enough that the quota binds on a loaded 2-core machine (at 0.3 the
 * CPU-bound VM on the 1-core host, with the machine at load 6, measured
 * less than it had under the quota: 204 against 253 units/s), high enough
 * that the DFSIO worker that moves there still writes faster than on the
 * slow disk (at 0.1 the worker, its agent and the agent's profiler starve
 * each other: 6.6 MB/s on the 48 MB/s disk, below the 7.6 it had on the
 * 12 MB/s one; at 0.3 it wrote 19.5).
 */
const BUSY_CPU_CORES = 0.2
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
    runs: [VBOOM_RUN],
    endWhen: 'after-swaps',
    hosts: specs,
    vms,
    vmDiskBytes: VM_DISK_BYTES,
    durationS: 600,
    afterS: 30,
    notes: [
      `disks ${SLOW_DISK_MBPS} MB/s (slow-disk) against ${GOOD_DISK_MBPS} MB/s; CPU ${BUSY_CPU_CORES} cores (busy-cpu) against ${GOOD_CPU_CORES} (slow-disk)`,
      "the agents profile every 15 s (cpu and disk-write benchmarks only) so the adverts carry enough samples within the run, and trade by themselves under their owners' delegations",
    ],
  }
}

/**
 * The paper's rates scaled by 1/2 (9 and 15.5 MB/s, 18:31 kept): four
 * workers, the swaps and the profilers share one disk of this machine.
 */
const PAPER_SLOW_MBPS = 9
const PAPER_GOOD_MBPS = 15.5
/**
 * The CPU-interfered hosts of the paper scenario: 0.3 cores, not the swap
 * scenario's 0.2, so a DFSIO worker that moves there still writes at the
 * disk's 15.5 MB/s (a worker at 0.1 cores wrote ~11 MB/s here) and the
 * oracle placement is the best one; the CPU-bound VMs gain 1:0.3.
 */
const PAPER_BUSY_CPU_CORES = 0.3
/**
 * 22 tasks as in the paper, of 1 GiB instead of 800 MB: the swap's fixed
 * costs (the profiler's five samples of the slow disk, two reboots) do not
 * scale down, so the job has to stay long beside them (~8-10 min here).
 */
const PAPER_TASKS = 22
const PAPER_TASK_BYTES = 1024 * MiB
/** A task file, the profiler's 128 MiB, and room. */
const PAPER_VM_DISK_BYTES = 1280 * MiB

/**
 * The paper's experiment scaled to this machine: a master and four
 * disk-bound workers, two on disk-interfered hosts, and two CPU-bound VMs of
 * other owners on hosts with good disks and CPU interference, so that
 * swapping helps both sides. Three runs: without VBoom, with VBoom, oracle.
 */
export function paperScenario(o: { taskBytes?: number; vmDiskBytes?: number } = {}): Scenario {
  const taskBytes = o.taskBytes ?? PAPER_TASK_BYTES
  const specs: HostSpec[] = [
    host('master', { diskWriteMBps: PAPER_GOOD_MBPS, cpuCores: PAPER_BUSY_CPU_CORES }),
    host('slow-1', { diskWriteMBps: PAPER_SLOW_MBPS, cpuCores: GOOD_CPU_CORES }),
    host('slow-2', { diskWriteMBps: PAPER_SLOW_MBPS, cpuCores: GOOD_CPU_CORES }),
    host('good-1', { diskWriteMBps: PAPER_GOOD_MBPS, cpuCores: PAPER_BUSY_CPU_CORES }),
    host('good-2', { diskWriteMBps: PAPER_GOOD_MBPS, cpuCores: PAPER_BUSY_CPU_CORES }),
    host('busy-1', { diskWriteMBps: PAPER_GOOD_MBPS, cpuCores: PAPER_BUSY_CPU_CORES }),
    host('busy-2', { diskWriteMBps: PAPER_GOOD_MBPS, cpuCores: PAPER_BUSY_CPU_CORES }),
  ]
  const worker = (n: number, at: string): ScenarioVm => ({
    name: `worker-${n}`,
    owner: 'alice',
    host: at,
    workload: { kind: 'dfsio-worker' },
    masterVm: 'dfsio-master',
    needs: { diskWrite: 0.8 },
    judgedBy: 'disk-write',
  })
  const cpu = (n: number, owner: string, at: string): ScenarioVm => ({
    name: `cpu-${n}`,
    owner,
    host: at,
    workload: { kind: 'cpu' },
    needs: { cpu: 0.8 },
    judgedBy: 'cpu',
  })
  return {
    name: 'paper',
    title: "The paper's TestDFSIO experiment, scaled: without VBoom, with VBoom, and the oracle placement",
    runs: [BASELINE_RUN, VBOOM_RUN, ORACLE_RUN],
    endWhen: 'job-done',
    oracleHosts: { 'worker-1': 'busy-1', 'worker-2': 'busy-2', 'cpu-1': 'slow-1', 'cpu-2': 'slow-2' },
    paperScale: `scaled: ${PAPER_TASKS} tasks of ${taskBytes / MiB} MiB (the paper: 800 MB), four workers, two on disks at ${PAPER_SLOW_MBPS} MB/s against ${PAPER_GOOD_MBPS} MB/s (the paper: 18 and 31 MB/s, the same ratio)`,
    hosts: specs,
    vms: [
      {
        name: 'dfsio-master',
        owner: 'alice',
        host: 'master',
        workload: { kind: 'dfsio-master', tasks: PAPER_TASKS, taskBytes, lingerS: 5 },
        needs: { diskWrite: 0.3 },
        judgedBy: null,
      },
      worker(1, 'slow-1'),
      worker(2, 'slow-2'),
      worker(3, 'good-1'),
      worker(4, 'good-2'),
      cpu(1, 'bob', 'busy-1'),
      cpu(2, 'dave', 'busy-2'),
    ],
    vmDiskBytes: o.vmDiskBytes ?? PAPER_VM_DISK_BYTES,
    durationS: 3600,
    afterS: 0,
    notes: [],
  }
}

/** The market scenario's disks, MB/s: slow, middling (the liar's), good. */
const MARKET_SLOW_MBPS = 16
const MARKET_MID_MBPS = 24
const MARKET_LIAR_MBPS = 30
const MARKET_STORE_MBPS = 40
const MARKET_GOOD_MBPS = 48
/** The network-bound pair's links, Mbit/s: a rate the kernel's tbf holds and the stream fills. */
const MARKET_NET_MBIT = 40
/**
 * The storage VM's asking price, micro-credits: it weighs its disk little
 * (0.05), so a move from 40 to 16 MB/s costs it ~0.8 M over the market's
 * week (0.05 x ln 2.5 x 16.8 M) and the downtime; 1.5 M covers that, and a
 * disk-bound VM gaining ~11 M pays it gladly. Below the default price cap (2 M).
 */
const MARKET_STORE_ASK_MICROS = 1_500_000
/** The liar advertises twice its disk's rate: 60 MB/s from a 30 MB/s disk. */
const LIAR_DISK_FACTOR = 2
/** The market scenario's hosts: one per VM. */
const MARKET_HOSTS = 12
/**
 * Every agent of the market scenario probes a partner before it agrees (the
 * decision rule's default): the liar must be caught by measurement. The
 * probe's tolerance comes from each claim's spread and a shortfall is
 * probed again before it counts as a lie (src/node/probe/claim-tolerance.ts).
 */
const MARKET_PROBES = { requireProbe: true } as const

/**
 * A market of 12 VMs of five owners: disk-bound DFSIO workers on slow disks,
 * CPU-bound VMs on busy CPUs, a network-bound pair, a storage VM that sells
 * its good disk for a price, idle VMs, and one lying agent (a CPU-bound VM
 * that advertises twice its disk speed, so disk-bound VMs want its host).
 * By the market's rule over honest adverts: dfsio-1 and cpu-1 swap for
 * mutual gain, dfsio-2 pays store-1 its ask for its disk; every agent that
 * weighs disks and looks at the liar probes it, finds half its claim and
 * does not swap with it.
 */
export function marketScenario(): Scenario {
  const h = (name: string, diskWriteMBps: number, cpuCores: number, netMbit?: number): HostSpec =>
    host(name, { diskWriteMBps, cpuCores, ...(netMbit === undefined ? {} : { netMbit }) })
  const vm = (v: Omit<ScenarioVm, 'judgedBy'> & { judgedBy?: ScenarioVm['judgedBy'] }): ScenarioVm => ({
    judgedBy: null,
    ...v,
    market: { ...MARKET_PROBES, ...v.market },
  })
  return {
    name: 'market',
    title: 'A market of 12 VMs of five owners: mutual and priced swaps, and a lying agent no one swaps with',
    runs: [VBOOM_RUN],
    endWhen: 'market-settled',
    marketChecks: true,
    hosts: [
      h('master', MARKET_GOOD_MBPS, OTHER_CPU_CORES),
      h('slow-1', MARKET_SLOW_MBPS, GOOD_CPU_CORES),
      h('slow-2', MARKET_SLOW_MBPS, GOOD_CPU_CORES),
      h('busy-1', MARKET_GOOD_MBPS, BUSY_CPU_CORES),
      h('store', MARKET_STORE_MBPS, OTHER_CPU_CORES),
      h('liar', MARKET_LIAR_MBPS, BUSY_CPU_CORES),
      h('quiet-1', MARKET_MID_MBPS, GOOD_CPU_CORES),
      h('quiet-2', MARKET_MID_MBPS, GOOD_CPU_CORES),
      h('spare-1', MARKET_GOOD_MBPS, OTHER_CPU_CORES),
      h('spare-2', MARKET_GOOD_MBPS, OTHER_CPU_CORES),
      h('net-1', MARKET_MID_MBPS, OTHER_CPU_CORES, MARKET_NET_MBIT),
      h('net-2', MARKET_MID_MBPS, OTHER_CPU_CORES, MARKET_NET_MBIT),
    ],
    vms: [
      vm({
        name: 'dfsio-master',
        owner: 'alice',
        host: 'master',
        workload: { kind: 'dfsio-master', tasks: TASKS, taskBytes: TASK_BYTES, lingerS: 5 },
        needs: { diskWrite: 0.3 },
      }),
      vm({
        name: 'dfsio-1',
        owner: 'alice',
        host: 'slow-1',
        workload: { kind: 'dfsio-worker' },
        masterVm: 'dfsio-master',
        needs: { diskWrite: 0.8 },
        judgedBy: 'disk-write',
      }),
      vm({
        name: 'dfsio-2',
        owner: 'alice',
        host: 'slow-2',
        workload: { kind: 'dfsio-worker' },
        masterVm: 'dfsio-master',
        needs: { diskWrite: 0.8 },
        judgedBy: 'disk-write',
      }),
      vm({
        name: 'cpu-1',
        owner: 'bob',
        host: 'busy-1',
        workload: { kind: 'cpu' },
        needs: { cpu: 0.8 },
        judgedBy: 'cpu',
      }),
      vm({
        name: 'store-1',
        owner: 'carol',
        host: 'store',
        workload: { kind: 'idle' },
        needs: { diskWrite: 0.05 },
        askMicros: MARKET_STORE_ASK_MICROS,
      }),
      vm({
        name: 'cpu-liar',
        owner: 'dave',
        host: 'liar',
        workload: { kind: 'cpu' },
        needs: { cpu: 0.8 },
        advertisedDiskFactor: LIAR_DISK_FACTOR,
      }),
      vm({ name: 'cpu-3', owner: 'bob', host: 'quiet-1', workload: { kind: 'cpu' }, needs: { cpu: 0.8 } }),
      vm({ name: 'cpu-4', owner: 'erin', host: 'quiet-2', workload: { kind: 'cpu' }, needs: { cpu: 0.8 } }),
      vm({
        name: 'idle-1',
        owner: 'carol',
        host: 'spare-1',
        workload: { kind: 'idle' },
        needs: { diskWrite: 0.5 },
      }),
      vm({
        name: 'idle-2',
        owner: 'dave',
        host: 'spare-2',
        workload: { kind: 'idle' },
        needs: { diskWrite: 0.5 },
      }),
      vm({
        name: 'net-sink',
        owner: 'erin',
        host: 'net-1',
        workload: { kind: 'net-sink' },
        needs: { netBw: 0.8 },
      }),
      vm({
        name: 'net-stream',
        owner: 'erin',
        host: 'net-2',
        workload: { kind: 'net-stream' },
        peerVm: 'net-sink',
        needs: { netBw: 0.8 },
      }),
    ],
    vmDiskBytes: VM_DISK_BYTES,
    durationS: 1800,
    afterS: 30,
    notes: [
      `disks ${MARKET_SLOW_MBPS} MB/s (slow-1, slow-2) to ${MARKET_GOOD_MBPS} MB/s; CPU ${BUSY_CPU_CORES} cores (busy-1, liar) to ${GOOD_CPU_CORES}; net-1 and net-2 linked at ${MARKET_NET_MBIT} Mbit/s`,
      `cpu-liar's agent advertises ${LIAR_DISK_FACTOR}x its disk (${LIAR_DISK_FACTOR * MARKET_LIAR_MBPS} MB/s from ${MARKET_LIAR_MBPS}); every agent probes a partner's weighed claims before agreeing`,
      `store-1 asks ${MARKET_STORE_ASK_MICROS} micro-credits for its disk`,
    ],
  }
}

/** The scenario as a run places it: the oracle run starts each VM on its best host. */
export function placedScenario(sc: Scenario, placement: Placement): Scenario {
  if (placement !== 'oracle' || sc.oracleHosts === undefined) return sc
  const to = sc.oracleHosts
  return { ...sc, vms: sc.vms.map((v) => (to[v.name] === undefined ? v : { ...v, host: to[v.name]! })) }
}

export const SCENARIOS = ['swap', 'paper', 'market'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

/** The swap scenario's hosts unless told otherwise. */
export const DEFAULT_HOSTS = 4
/** The paper scenario's hosts: a master, four workers, two CPU-bound VMs. */
const PAPER_HOSTS = 7

/** A scenario by name; `hosts` as given with --hosts (the paper scenario has its fixed seven). */
export function scenarioByName(name: string, hosts?: number): Scenario {
  if (name === 'swap' || name === 'default') return swapScenario(hosts ?? DEFAULT_HOSTS)
  if (name === 'paper') {
    if (hosts !== undefined && hosts !== PAPER_HOSTS)
      throw new TestnetRunError(
        TestnetRunErrorCode.BAD_OPTION,
        `the paper scenario runs on ${PAPER_HOSTS} hosts (a master, four workers, two CPU-bound VMs), not ${hosts}: leave --hosts out`,
      )
    return paperScenario()
  }
  if (name === 'market') {
    if (hosts !== undefined && hosts !== MARKET_HOSTS)
      throw new TestnetRunError(
        TestnetRunErrorCode.BAD_OPTION,
        `the market scenario runs on ${MARKET_HOSTS} hosts (one VM each), not ${hosts}: leave --hosts out`,
      )
    return marketScenario()
  }
  throw new TestnetRunError(
    TestnetRunErrorCode.UNKNOWN_SCENARIO,
    `no scenario "${name}": choose one of ${SCENARIOS.join(', ')}`,
  )
}
