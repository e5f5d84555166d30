/**
 * What a run sees while it runs: each host's supervisor status, every
 * workload's status records (from each host's status file, whichever VM
 * wrote them), the anchor's ledger (read through its control socket from
 * the last entry seen on), and the agents' own views (their adverts and
 * markets, from their control sockets). The swaps are the agents': a swap
 * appears when its agreement is registered in the ledger, and its outcome is
 * the anchor's COMMIT or ABORT entry. The live view's snapshot is made
 * from it.
 */

import type { AgentStatus } from '../../node/agent.js'
import type { MarketReport } from '../../node/negotiation/service.js'
import type { Needs, Profile } from '../../protocols/advert.js'
import { readAgreement } from '../../protocols/agreement.js'
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
import { agentDataDir, agentLies, agentMarket, agentStatus } from './agent-control.js'
import type { LedgerEntryJson } from './anchor-ledger.js'
import type { World } from './world.js'

/** Ledger entries the view shows. */
const LEDGER_TAIL = 8

/** A swap the agents agreed, as the run observes it. */
export interface ObservedSwap {
  id: string
  /** Side a's VM and the host it left, then side b's (the agreement's sides). */
  a: { vm: string; host: string }
  b: { vm: string; host: string }
  /** The agreement's registration in the ledger (its entry's time), ms. */
  startedAt: number
  /** The ledger entry that registered it. */
  agreedSeq: string
  /** The SignedAgreement the agents registered. */
  agreement: Uint8Array
  /** Who signed the registration besides the anchor: the two agents' keys, hex. */
  signers: string[]
  /** The agreed price, micro-credits (0: mutual gain), and the VM whose owner pays it. */
  priceMicros: bigint
  payer: string | null
  /** Each side's net gain as its agent stated it in the agreement, micro-credits over the horizon. */
  statedGainMicros: { a: bigint; b: bigint }
  /** Both VMs run their workloads on their new hosts (or the swap aborted), ms. */
  endedAt: number | null
  outcome: 'committed' | 'aborted' | null
  /** The payment the COMMIT recorded, by owner name. */
  payment: { payer: string; payee: string; amountMicros: bigint } | null
  /** Why the anchor aborted it. */
  reason: string | null
  /** The VMs whose agents hold the agreement in their own stores (read at the end of the run). */
  heldBy: string[]
  /** How each side's agent chose its partner, "<vm>: matching session <k>" (read with heldBy). */
  chosenBy: string[]
}

/** A VM's advert as the market reads it (from its agent's status). */
export interface AdvertView {
  vm: string
  location: string
  profile: Profile
  needs: Needs
  askMicros: bigint
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The terms of a swap in words: "mutual gain" or who pays whom. */
export function termsText(x: ObservedSwap): string {
  if (x.payer === null) return 'mutual gain, no price'
  const payee = x.payer === x.a.vm ? x.b.vm : x.a.vm
  return `${x.payer} pays ${payee} ${x.priceMicros} micro-credits`
}

/** A swap as JSON (bigints as decimal strings, the agreement as hex): what `vboom testnet --json` prints. */
export function swapToJson(x: ObservedSwap): Record<string, unknown> {
  return {
    id: x.id,
    a: x.a,
    b: x.b,
    startedAt: new Date(x.startedAt).toISOString(),
    endedAt: x.endedAt === null ? null : new Date(x.endedAt).toISOString(),
    outcome: x.outcome,
    reason: x.reason,
    agreedSeq: x.agreedSeq,
    priceMicros: x.priceMicros.toString(),
    payer: x.payer,
    statedGainMicros: { a: x.statedGainMicros.a.toString(), b: x.statedGainMicros.b.toString() },
    payment: x.payment === null ? null : { ...x.payment, amountMicros: x.payment.amountMicros.toString() },
    signers: x.signers,
    heldBy: x.heldBy,
    chosenBy: x.chosenBy,
    agreement: Buffer.from(x.agreement).toString('hex'),
  }
}

/** How a run names agents' and owners' keys (hex). */
export interface KeyNames {
  vm: (agentKeyHex: string) => string
  owner: (ownerKeyHex: string) => string
}

/**
 * What a ledger entry means for a run's swaps: an agreement registered adds
 * a swap, the anchor's COMMIT or ABORT resolves one (with the payment the
 * COMMIT recorded). Returns a line when the entry is news.
 */
export function applyLedgerEntry(swaps: ObservedSwap[], e: LedgerEntryJson, names: KeyNames): string | null {
  const b = e.body
  if (e.kind === 'swap-agreed') {
    const read = readAgreement(new Uint8Array(Buffer.from(String(b.agreement), 'hex')))
    const vmA = names.vm(String(b.vmA))
    const vmB = names.vm(String(b.vmB))
    const t = read.terms
    const x: ObservedSwap = {
      id: String(b.swapId),
      a: { vm: vmA, host: String(b.locationA) },
      b: { vm: vmB, host: String(b.locationB) },
      startedAt: Date.parse(e.appendedAt),
      agreedSeq: e.seq,
      agreement: new Uint8Array(Buffer.from(String(b.agreement), 'hex')),
      signers: e.signers,
      priceMicros: t.priceMicros,
      payer: t.payer === null ? null : t.payer === 'a' ? vmA : vmB,
      statedGainMicros: { a: t.a.statedGainMicros, b: t.b.statedGainMicros },
      endedAt: null,
      outcome: null,
      payment: null,
      reason: null,
      heldBy: [],
      chosenBy: [],
    }
    swaps.push(x)
    return `testnet: ${vmA} (${x.a.host}) and ${vmB} (${x.b.host}) agreed to swap, registered by their agents at entry #${e.seq}: ${termsText(x)}; stated gains ${t.a.statedGainMicros} and ${t.b.statedGainMicros} micro-credits over the horizon`
  }
  const x = swaps.find((s) => s.id === String(b.swapId))
  if (x === undefined) return null
  if (e.kind === 'swap-committed') {
    x.outcome = 'committed'
    const p = b.payment as { payer: string; payee: string; amountMicros: string } | null | undefined
    if (p !== null && p !== undefined)
      x.payment = {
        payer: names.owner(p.payer),
        payee: names.owner(p.payee),
        amountMicros: BigInt(p.amountMicros),
      }
    return `testnet: swap ${x.id.slice(0, 8)} COMMITTED by the anchor (entry #${e.seq})${x.payment === null ? '' : `, ${x.payment.payer} paid ${x.payment.payee} ${x.payment.amountMicros} micro-credits`}`
  }
  if (e.kind === 'swap-aborted') {
    x.outcome = 'aborted'
    x.reason = String(b.reason)
    x.endedAt = Date.now()
    return `testnet: swap ${x.id.slice(0, 8)} ABORTED by the anchor (entry #${e.seq}): ${x.reason}`
  }
  return null
}

export class RunObserver {
  readonly startedAt = Date.now()
  readonly records: WorkloadStatus[] = []
  readonly status = new Map<string, SupervisorStatus>()
  /** Every ledger entry read, oldest first. */
  readonly entries: LedgerEntryJson[] = []
  readonly swaps: ObservedSwap[] = []
  /** Each running VM's advert and market view, as its agent last answered. */
  readonly adverts = new Map<string, AdvertView>()
  readonly markets = new Map<string, MarketReport>()
  /**
   * Lies each VM's agent confirmed by its probes, by the lying peer
   * (vboom_probe_lies_total): the most each agent reported, kept across its
   * reboots (a swapped VM's agent starts its counters again).
   */
  readonly lies = new Map<string, Map<string, number>>()
  private readonly tails: Map<string, StatusTail>
  private readonly latest = new Map<string, WorkloadSample>()
  private nextSeq = 0n
  private readonly vmByKey: Map<string, string>
  private readonly ownerByKey: Map<string, string>
  private readonly vmByPeer: Map<string, string>

  constructor(private readonly world: World) {
    this.tails = new Map(
      world.hosts.map((h) => [h.name, new StatusTail(hostLayout(h.host.info).workloadStatus)]),
    )
    this.vmByKey = new Map([...world.vms].map(([name, v]) => [hex(v.agentKey), name]))
    this.vmByPeer = new Map([...world.vms].map(([name, v]) => [v.agentPeerId, name]))
    this.ownerByKey = new Map([...world.owners].map(([name, k]) => [hex(k.publicKey), name]))
  }

  /** A VM's name from its agent's peer id (as adverts and market reports name it). */
  vmOfPeer(peer: string): string {
    return this.vmByPeer.get(peer) ?? peer
  }

  private ownerName(keyHex: string): string {
    return this.ownerByKey.get(keyHex) ?? keyHex.slice(0, 8)
  }

  /** Reads what changed: statuses, new workload records, new ledger entries. Returns lines worth printing. */
  async poll(): Promise<string[]> {
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
    const news: string[] = []
    try {
      for (const e of await this.world.ledger.entriesFrom(this.nextSeq)) {
        this.entries.push(e)
        this.nextSeq = BigInt(e.seq) + 1n
        const line = this.onEntry(e)
        if (line !== null) news.push(line)
      }
    } catch {
      // the anchor restarting: the entries read so far stand, the rest come at the next poll
    }
    for (const x of this.swaps) {
      if (x.endedAt !== null || x.outcome !== 'committed') continue
      const aBack = this.records.some((r) => r.vm === x.a.vm && r.host === x.b.host && r.t > x.startedAt)
      const bBack = this.records.some((r) => r.vm === x.b.vm && r.host === x.a.host && r.t > x.startedAt)
      if (aBack && bBack) {
        x.endedAt = Date.now()
        news.push(
          `testnet: swap ${x.id.slice(0, 8)} done: ${x.a.vm} runs on ${x.b.host}, ${x.b.vm} on ${x.a.host}`,
        )
      }
    }
    return news
  }

  private onEntry(e: LedgerEntryJson): string | null {
    return applyLedgerEntry(this.swaps, e, {
      vm: (k) => this.vmByKey.get(k) ?? k.slice(0, 8),
      owner: (k) => this.ownerName(k),
    })
  }

  /** Reads each running VM's advert and market view from its agent. */
  async pollAgents(): Promise<void> {
    await Promise.all(
      this.world.hosts.map(async (h) => {
        const s = this.status.get(h.name)
        if (s?.state !== 'vm' || s.vm === null) return
        const vm = s.vm.name
        const dir = agentDataDir(s.vm.root)
        const [st, market, lies] = await Promise.all([agentStatus(dir), agentMarket(dir), agentLies(dir)])
        const ad = advertOf(st)
        if (ad !== null) this.adverts.set(vm, { vm, location: h.name, ...ad })
        if (market !== null) this.markets.set(vm, market)
        const seen = this.lies.get(vm) ?? new Map<string, number>()
        for (const [peer, n] of lies) seen.set(peer, Math.max(n, seen.get(peer) ?? 0))
        this.lies.set(vm, seen)
      }),
    )
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
      ledger: this.entries.slice(-LEDGER_TAIL).map(
        (e): SnapshotLedgerEntry => ({
          seq: e.seq,
          at: Date.parse(e.appendedAt),
          kind: e.kind,
          text: e.text,
        }),
      ),
      jobs: job === null ? [] : [job],
    }
  }

  private swapView(x: ObservedSwap): SnapshotSwap {
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
    if (x.outcome === 'aborted' || (x.outcome === 'committed' && x.endedAt !== null)) {
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
      terms: termsText(x),
    }
  }
}

/** The advert an agent's status carries, as the market reads it; null before its first. */
function advertOf(st: AgentStatus | null): Omit<AdvertView, 'vm' | 'location'> | null {
  const ad = st?.advert as { profile?: Profile; needs?: Needs; askMicros?: string } | null | undefined
  if (ad?.profile === undefined || ad.needs === undefined) return null
  return { profile: ad.profile, needs: ad.needs, askMicros: BigInt(ad.askMicros ?? '0') }
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
