/**
 * What a run sees while it runs: each host's supervisor status, every
 * workload's status records (from each host's status file, whichever VM
 * wrote them), and the anchor's last ledger entries. The live view's
 * snapshot is made from it.
 */
import type { SupervisorStatus } from '../host/index.js'
import { hostLayout } from '../host/index.js'
import type {
  HostState,
  SnapshotLedgerEntry,
  SnapshotSwap,
  SnapshotVm,
  TestnetSnapshot,
  VmState,
} from '../view/index.js'
import { snapshotJob, snapshotSample } from '../view/index.js'
import { StatusTail, type WorkloadSample, type WorkloadStatus } from '../workloads/index.js'
import type { World } from './world.js'

/** Ledger entries the view shows. */
const LEDGER_TAIL = 8

/** A swap as the run drives it. */
export interface DrivenSwap {
  id: string
  /** Side a's VM and the host it left, then side b's. */
  a: { vm: string; host: string }
  b: { vm: string; host: string }
  /** Registered at the anchor, ms. */
  startedAt: number
  /** Both VMs run their workloads on their new hosts, ms. */
  endedAt: number | null
  outcome: 'committed' | 'aborted' | null
}

export class RunObserver {
  readonly startedAt = Date.now()
  readonly records: WorkloadStatus[] = []
  readonly status = new Map<string, SupervisorStatus>()
  private readonly tails: Map<string, StatusTail>
  private readonly latest = new Map<string, WorkloadSample>()
  private ledger: SnapshotLedgerEntry[] = []
  readonly swaps: DrivenSwap[] = []

  constructor(private readonly world: World) {
    this.tails = new Map(
      world.hosts.map((h) => [h.name, new StatusTail(hostLayout(h.host.info).workloadStatus)]),
    )
  }

  /** Reads what changed: statuses, new workload records, the ledger's tail. */
  async poll(): Promise<void> {
    await Promise.all(
      this.world.hosts.map(async (h) => {
        try {
          this.status.set(h.name, await h.sup.status())
        } catch {
          // a host between boots: its last status stands
        }
      }),
    )
    for (const tail of this.tails.values()) {
      for (const r of tail.read()) {
        this.records.push(r)
        if (r.type === 'sample') this.latest.set(r.vm, r)
      }
    }
    try {
      this.ledger = await this.world.console.tail(LEDGER_TAIL)
    } catch {
      // the anchor restarting: the last tail stands
    }
  }

  /** The host a VM runs on now (its system up), or null. */
  hostOf(vm: string): string | null {
    for (const [host, s] of this.status) if (s.state === 'vm' && s.vm?.name === vm) return host
    return null
  }

  snapshot(): TestnetSnapshot {
    const w = this.world
    const hosts = w.hosts.map((h) => {
      const s = this.status.get(h.name)
      return {
        name: h.name,
        profile: h.host.info.profile,
        state: hostState(s),
        vm: s?.vm?.name ?? null,
      }
    })
    const vms: SnapshotVm[] = [...w.vms.values()].map((v) => {
      const host = this.hostOf(v.spec.name)
      const swapping = this.swaps.some(
        (x) => x.endedAt === null && (x.a.vm === v.spec.name || x.b.vm === v.spec.name),
      )
      const state: VmState = host !== null ? 'running' : swapping ? 'swapping' : 'booting'
      const sample = this.latest.get(v.spec.name)
      return {
        name: v.spec.name,
        owner: v.spec.owner,
        host,
        state,
        workload: v.spec.workload.kind === 'idle' ? null : (v.spec.workload.kind as SnapshotVm['workload']),
        latest: sample === undefined ? null : snapshotSample(sample),
      }
    })
    const job = snapshotJob(this.records)
    return {
      at: Date.now(),
      startedAt: this.startedAt,
      scenario: w.scenario.name,
      mode: w.fabric.mode,
      modeReason: w.fabric.reason,
      hosts,
      vms,
      swaps: this.swaps.map((x) => this.swapView(x)),
      ledger: this.ledger,
      jobs: job === null ? [] : [job],
    }
  }

  private swapView(x: DrivenSwap): SnapshotSwap {
    const sa = this.status.get(x.a.host)
    const sb = this.status.get(x.b.host)
    let phase: SnapshotSwap['phase'] | null = null
    let progress = 0
    let bytesDone = 0
    let bytesTotal = 0
    const views = [sa?.swap, sb?.swap].filter((v) => v !== null && v !== undefined && v.swapId === x.id)
    for (const v of views) {
      for (const [p, pr] of Object.entries(v!.progress)) {
        if (pr === undefined) continue
        if (!pr.ended && phase === null) {
          phase = p as SnapshotSwap['phase']
          progress = pr.total > 0 ? pr.done / pr.total : 0
        }
        if (p === 'apply') {
          bytesDone += pr.done
          bytesTotal += pr.total
        }
      }
    }
    const states = [sa?.state, sb?.state]
    const wentStateless = [sa, sb].some((s) =>
      s?.boots.some((b) => b.kind === 'stateless' && b.atMs >= x.startedAt - 1000),
    )
    if (x.outcome !== null) {
      phase = x.outcome
      progress = 1
    } else if (phase === null) {
      // between the swapper's phases: which side of the stateless boot the hosts are on
      if (states.includes('stateless')) phase = 'rebooting'
      else if (wentStateless) phase = 'booting'
      else phase = states.some((s) => s !== 'vm') ? 'rebooting' : 'agreed'
    }
    return {
      id: x.id,
      sides: [
        { vm: x.a.vm, from: x.a.host, to: x.b.host },
        { vm: x.b.vm, from: x.b.host, to: x.a.host },
      ],
      phase,
      progress,
      bytesDone,
      bytesTotal,
      startedAt: x.startedAt,
      endedAt: x.endedAt,
    }
  }
}

function hostState(s: SupervisorStatus | undefined): HostState {
  switch (s?.state) {
    case 'vm':
      return 'running'
    case 'stateless':
      return 'stateless'
    case 'remote':
      return 'verifying'
    case 'empty':
    case 'failed':
    case undefined:
      return 'idle'
    default:
      return 'booting'
  }
}
