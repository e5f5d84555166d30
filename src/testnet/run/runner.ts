/**
 * A testnet run: the world up (hosts, anchor, supervisors, VMs whose agents
 * trade for their owners), the live view, and the run watching: the agents
 * find each other, negotiate, register their agreements at the anchor and
 * leave for the swaps themselves; the run reads the ledger for the
 * agreements and their COMMITs, the supervisors for the reboots, the
 * workloads for their rates. Then what the swaps changed is measured, the
 * report written, and everything taken down (also when the run is aborted).
 * A run in which no agent finds a gain ends once the market stands still,
 * saying why each agent pursued no one.
 */
import { join } from 'node:path'
import { DEFAULT_UTILITY_MODEL } from '../../node/market/utility.js'
import { HostEmulationError, type ModeRequest } from '../hosts/index.js'
import {
  RESULTS_SCHEMA,
  type ReportFiles,
  type RunResults,
  type ScenarioResults,
  seriesFromStatus,
  writeReport,
} from '../report/index.js'
import { type LiveView, startLiveView, type ViewFormat } from '../view/index.js'
import { agentAgreements, agentDataDir } from './agent-control.js'
import { TestnetRunError, TestnetRunErrorCode } from './errors.js'
import {
  type Expectation,
  type ExpectedSwap,
  expectedSwaps,
  type PairVerdict,
  type SwapCandidate,
} from './expected-swaps.js'
import { type MarketCheck, type MarketCheckResult, marketChecks } from './market-checks.js'
import {
  type DiskCheck,
  type Downtime,
  dfsioTasks,
  diskCheck,
  downtime,
  type Improvement,
  improvement,
  swapSeconds,
} from './measure.js'
import { type ObservedSwap, RunObserver, termsText } from './observe.js'
import { PAPER_REDUCTION_PCT, placedScenario, type Scenario, type ScenarioRun } from './scenarios.js'
import { createWorld, type World } from './world.js'

/**
 * The emulated mode holds the agents' benchmarks to the hosts' limits as it
 * does the workloads (the disk gate, the CPU share). The CPU share stops only
 * a host's CPU-bound processes (cpu-quota.ts), so on a CPU-starved host the
 * VM's busy workload no longer freezes the agent's disk benchmark; but every
 * emulated disk is also bounded by this machine's own disk and CPU, which the
 * hosts share, so on a loaded machine the measured profiles lie closer
 * together than the scenario sets them.
 */
const EMULATED_PROFILE_NOTE =
  "emulated mode: the agents' benchmarks share each host's emulated limits with its workloads and this machine's own disk and CPU with every host, so on a loaded machine the profiles lie closer together than set and the market may see too small a gain to swap; run as root for the kernel's limits"

/** Between polls of the hosts and the anchor, ms. */
const POLL_MS = 1_000
/** Between reads of the agents' adverts and markets, ms: the agents look at their market every 5 s (world.ts). */
const AGENTS_EVERY_MS = 5_000
/**
 * How long the market must stand still before a run in which no swap was
 * agreed ends, ms: every VM's profile full (the market's minimum samples
 * in each resource), the market's rule over the adverts expecting no swap,
 * and no agent negotiating. 90 s: eighteen market rounds of every agent.
 */
const NO_GAIN_SETTLE_MS = 90_000
/**
 * How long the end of a run waits for the swapped VMs' agents to answer
 * which agreements they hold, ms: an agent that just came up on a host of a
 * tenth of a core compiles and starts in a minute or two on a loaded machine.
 */
const AGREEMENTS_WAIT_MS = 180_000
/**
 * How long a market scenario's agents must have negotiated nothing, with
 * every swap done, before the run ends, ms: 60 s, twelve market rounds of
 * every agent (a probe and an offer fit in it).
 */
const MARKET_SETTLE_MS = 60_000

export interface RunOptions {
  scenario: Scenario
  mode?: ModeRequest
  /** The run's limit, s. */
  durationS: number
  /** Where the report goes; null: none. */
  resultsDir: string | null
  /** The live view's format; 'none' for no view (tests). */
  view: ViewFormat | 'auto' | 'none'
  /** Lines for the user (mode, decisions, where things are). */
  print: (line: string) => void
  baseDir?: string
  /** Aborts the run (SIGINT, SIGTERM); it still takes everything down. */
  signal?: AbortSignal
  /** Called once the world is up, e.g. to read its paths (tests). */
  onWorld?: (w: World) => void
}

export interface LedgerFacts {
  verified: boolean
  verifyDetail: string
  /** Per swap: its status at the anchor. */
  swaps: { id: string; status: string | null }[]
  /** Per location: its owner of record (name) at the end. */
  owners: Record<string, string | null>
  /** Per owner (name) that paid or was paid: received minus paid, micro-credits (`vboom ledger balances`). */
  balances: Record<string, bigint>
  /** Whether every payment is both a credit and a debit: total received equals total paid. */
  paymentsBalanced: boolean
}

/**
 * Why a run ended: its job done or its swaps done and run after ('done'),
 * its --duration reached, interrupted, or the market stood still with no
 * agent finding a gain ('no-gain').
 */
export type RunEnd = 'done' | 'duration' | 'aborted' | 'no-gain'

/** One run of a scenario (one placement). */
export interface RunOnceOutcome {
  run: RunResults
  swaps: ObservedSwap[]
  improvements: Improvement[]
  downtimes: Downtime[]
  disks: DiskCheck[]
  ledger: LedgerFacts
  /** Where each VM ran at the end. */
  placement: Record<string, string | null>
  /** The market's rule over the adverts before the first agreement (or at the end): its verdict per pair. */
  verdicts: PairVerdict[]
  /** The pairs that rule expected to swap at any look up to the first agreement (or the end), by VM name. */
  expected: [string, string][]
  notes: string[]
  ended: RunEnd
  /** The market scenario's end-of-run checks; null for the other scenarios. */
  market: MarketCheckResult | null
}

/** A scenario's outcome: its runs, and the figures of its run with VBoom (or its last) at the top. */
export interface RunOutcome {
  runs: RunOnceOutcome[]
  /** The paper's figures when the scenario ran without VBoom, with it and with the oracle placement. */
  comparison: string[]
  mode: 'root' | 'emulated'
  modeReason: string
  swaps: ObservedSwap[]
  improvements: Improvement[]
  downtimes: Downtime[]
  disks: DiskCheck[]
  ledger: LedgerFacts
  /** Where each VM ran at the end. */
  placement: Record<string, string | null>
  verdicts: PairVerdict[]
  expected: [string, string][]
  results: ScenarioResults
  report: ReportFiles | null
  /** Why the run ended. */
  ended: RunEnd
  /** The market scenario's checks (null for the others): any failure fails the run. */
  market: MarketCheckResult | null
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const t = setTimeout(done, ms)
    signal?.addEventListener('abort', done)
  })

/** The adverts of the VMs that run now, as the market reads them; a VM that swapped carries its swap's time (cooldown). */
function candidates(w: World, obs: RunObserver): SwapCandidate[] {
  const out: SwapCandidate[] = []
  for (const ad of obs.adverts.values()) {
    if (obs.hostOf(ad.vm) !== ad.location) continue
    const swapped = obs.swaps.filter(
      (x) => x.outcome === 'committed' && (x.a.vm === ad.vm || x.b.vm === ad.vm),
    )
    const c: SwapCandidate = { ...ad, diskBytes: w.scenario.vmDiskBytes }
    if (swapped.length > 0) c.lastSwapAtMs = Math.max(...swapped.map((x) => x.startedAt))
    out.push(c)
  }
  return out
}

/** Every VM runs and advertises a profile the market can weigh: each resource with its minimum samples. */
function profilesFull(w: World, obs: RunObserver): boolean {
  return [...w.vms.keys()].every((vm) => {
    const ad = obs.adverts.get(vm)
    if (ad === undefined || obs.hostOf(vm) !== ad.location) return false
    return Object.values(ad.profile).every(
      (r) => r === undefined || r.samples >= DEFAULT_UTILITY_MODEL.minSamples,
    )
  })
}

/** Whether any agent holds a commitment (negotiating, or agreed and not yet gone). */
function anyNegotiating(obs: RunObserver): boolean {
  return [...obs.markets.values()].some((m) => m.commitment !== null)
}

/** Each agent's best candidate and why it is or is not pursued, one line per VM (peers by VM name). */
function marketLines(w: World, obs: RunObserver): string[] {
  const named = (text: string): string =>
    [...w.vms].reduce((t, [name, v]) => t.replaceAll(v.agentPeerId, name), text)
  return [...w.vms.keys()].map((vm) => {
    const m = obs.markets.get(vm)
    if (m === undefined) return `${vm}: its agent showed no market (it does not trade, or did not answer)`
    const best = m.candidates[0]
    if (best === undefined) return `${vm}: no partner in its market`
    const last = best.last === undefined ? '' : `; last negotiation: ${named(best.last)}`
    return `${vm}: best partner ${obs.vmOfPeer(best.peer)} (reputation ${best.reputation}), ${named(best.why).replace(/^not pursued: /, '')}${last}`
  })
}

const pairText = (p: [string, string]): string => `${p[0]} \u21c4 ${p[1]}`
const expectedPairs = (e: Expectation): [string, string][] => e.swaps.map((x) => [x.a.vm, x.b.vm])

export async function runScenario(o: RunOptions): Promise<RunOutcome> {
  const sc = o.scenario
  if (!(o.durationS >= 30 && o.durationS <= 86_400))
    throw new TestnetRunError(
      TestnetRunErrorCode.BAD_OPTION,
      `--duration ${o.durationS} s is outside 30 s to a day: give a duration in that range`,
    )
  const runs: RunOnceOutcome[] = []
  let mode: RunOutcome['mode'] = 'emulated'
  let modeReason = ''
  for (const run of sc.runs) {
    if (o.signal?.aborted) break
    if (sc.runs.length > 1) o.print(`testnet: run "${run.label}"`)
    let r: RunOnceOutcome
    try {
      r = await runOnce(o, run, (m, why) => {
        mode = m
        modeReason = why
      })
    } catch (err) {
      // SIGINT during the start-up: the world removed what it had built
      if (err instanceof HostEmulationError && err.code === 'INTERRUPTED') break
      throw err
    }
    runs.push(r)
    if (r.ended === 'aborted') break
  }
  const main = runs.find((r) => r.run.placement === 'vboom') ?? runs.at(-1)
  if (main === undefined)
    throw new TestnetRunError(
      TestnetRunErrorCode.INTERRUPTED,
      'the run was interrupted during its start-up; everything it had built is removed',
    )
  const compared = comparison(runs, sc)
  const results: ScenarioResults = {
    schema: RESULTS_SCHEMA,
    scenario: sc.name,
    title: sc.title,
    startedAt: runs[0]!.run.startedAt,
    mode,
    modeReason,
    hosts: sc.hosts.map((h) => ({ name: h.name, profile: h.profile })),
    job: jobOf(sc),
    runs: runs.map((r) => r.run),
    notes: [
      ...sc.notes,
      ...(mode === 'emulated' ? [EMULATED_PROFILE_NOTE] : []),
      "the VMs' agents trade for their owners under the owners' delegations: they find each other, negotiate, register their agreements at the anchor and leave for the swaps themselves; the run only watches",
      ...runs.flatMap((r) => r.notes.map((n) => (runs.length > 1 ? `${r.run.label}: ${n}` : n))),
      ...compared,
    ],
  }
  const report = o.resultsDir === null ? null : await writeReport(results, o.resultsDir)
  if (report !== null)
    o.print(
      `testnet: report in ${join(o.resultsDir!, 'report.html')} (and results.json, report.md, SVG, PNG)`,
    )
  return {
    runs,
    comparison: compared,
    mode,
    modeReason,
    swaps: main.swaps,
    improvements: main.improvements,
    downtimes: main.downtimes,
    disks: main.disks,
    ledger: main.ledger,
    placement: main.placement,
    verdicts: main.verdicts,
    expected: main.expected,
    results,
    report,
    ended: runs.some((r) => r.ended === 'aborted') ? 'aborted' : main.ended,
    market: main.market,
  }
}

function jobOf(sc: Scenario): ScenarioResults['job'] {
  const master = sc.vms.find((v) => v.workload.kind === 'dfsio-master')
  if (master === undefined) return null
  return {
    kind: 'dfsio',
    tasks: master.workload.tasks as number,
    taskBytes: master.workload.taskBytes as number,
    workers: sc.vms.filter((v) => v.workload.kind === 'dfsio-worker').map((v) => v.name),
  }
}

/** The paper's comparison when the scenario ran without VBoom, with it, and with the oracle placement. */
function comparison(runs: RunOnceOutcome[], sc: Scenario): string[] {
  const by = (p: string): RunOnceOutcome | undefined =>
    runs.find((r) => r.run.placement === p && r.ended === 'done')
  const base = by('baseline')
  const vboom = by('vboom')
  const oracle = by('oracle')
  if (base === undefined || vboom === undefined) return []
  const tb = base.run.totalSeconds
  const tv = vboom.run.totalSeconds
  const out = [
    `job time ${tb.toFixed(0)} s without VBoom, ${tv.toFixed(0)} s with VBoom: ${(((tb - tv) / tb) * 100).toFixed(1)} % less (the paper: ${PAPER_REDUCTION_PCT} %, 2790 s to 2028 s)`,
  ]
  for (const x of vboom.run.swaps)
    for (const d of x.downtime)
      out.push(
        `swap ${x.id.slice(0, 8)}: ${d.vm} down ${(d.endS - d.startS).toFixed(0)} s (the paper: about 8 min)`,
      )
  if (oracle !== undefined) {
    const to = oracle.run.totalSeconds
    out.push(
      tb - to > 0
        ? `oracle placement ${to.toFixed(0)} s: VBoom achieved ${(((tb - tv) / (tb - to)) * 100).toFixed(0)} % of the oracle's gain`
        : `oracle placement ${to.toFixed(0)} s: no gain over the start placement to compare with`,
    )
  }
  if (sc.paperScale !== undefined) out.push(sc.paperScale)
  return out
}

async function runOnce(
  o: RunOptions,
  run: ScenarioRun,
  onMode: (mode: RunOutcome['mode'], why: string) => void,
): Promise<RunOnceOutcome> {
  const sc = placedScenario(o.scenario, run.placement)
  const trading = run.placement === 'vboom'
  const world = await createWorld(sc, {
    mode: o.mode ?? 'auto',
    baseDir: o.baseDir,
    print: o.print,
    logDir: o.resultsDir ?? undefined,
    trading,
    signal: o.signal,
  })
  let view: LiveView | null = null
  try {
    onMode(world.fabric.mode, world.fabric.reason)
    o.onWorld?.(world)
    o.print(
      `testnet: ${world.fabric.mode} mode: ${world.fabric.reason}${world.fabric.mode === 'emulated' ? '; VM disks are copied out with debugfs at boot and written back with mkfs.ext4 -d' : '; VM disks are loop devices with direct I/O'}`,
    )
    if (world.fabric.mode === 'emulated' && trading) o.print(`testnet: ${EMULATED_PROFILE_NOTE}`)
    o.print(`testnet: run directory ${world.baseDir}; anchor ${world.anchorAddr}`)
    if (trading)
      o.print(
        "testnet: the VMs' agents trade for their owners (delegations on their disks): the run watches the anchor's ledger for their agreements",
      )
    const obs = new RunObserver(world)
    await obs.poll()
    if (o.view !== 'none') view = startLiveView(() => obs.snapshot(), { format: o.view })
    const deadline = obs.startedAt + o.durationS * 1000
    let ended: RunEnd = 'duration'
    let expectation: Expectation = { swaps: [], verdicts: [] }
    // the rule's verdicts before the agents' first agreement, and every pair it expected up to it:
    // what the run holds their agreements to. Agents can agree between two looks, on adverts the
    // run sees only at its next one (they still describe the locations before the swap), so that
    // look counts too.
    let verdictBefore: Expectation | null = null
    const expectedUpTo = new Map<string, ExpectedSwap>()
    let lookedAfterAgreement = false
    let lastAgents = 0
    let lastExpected = ''
    let stillSince: number | null = null
    const liars = new Set(sc.vms.filter((v) => v.advertisedDiskFactor !== undefined).map((v) => v.name))
    let quietSince: number | null = null
    while (Date.now() < deadline) {
      if (o.signal?.aborted) {
        ended = 'aborted'
        break
      }
      for (const line of await obs.poll()) o.print(line)
      if (trading && Date.now() - lastAgents >= AGENTS_EVERY_MS) {
        lastAgents = Date.now()
        await obs.pollAgents()
        // the rule over the honest adverts: a liar's claims are what the agents' probes refute
        expectation = expectedSwaps(
          candidates(world, obs).filter((c) => !liars.has(c.vm)),
          Date.now(),
        )
        if (obs.swaps.length === 0) verdictBefore = expectation
        if (!lookedAfterAgreement) {
          lookedAfterAgreement = obs.swaps.length > 0
          for (const x of expectation.swaps) expectedUpTo.set([x.a.vm, x.b.vm].sort().join('+'), x)
        }
        const pairs = expectedPairs(expectation).map(pairText).join(', ')
        if (pairs !== lastExpected) {
          lastExpected = pairs
          if (pairs !== '')
            o.print(`testnet: by the market's rule over the adverts now, ${pairs} would gain from a swap`)
        }
        // a run whose agents find nothing ends once the market stands still, not at its duration
        const still =
          obs.swaps.length === 0 &&
          expectation.swaps.length === 0 &&
          profilesFull(world, obs) &&
          !anyNegotiating(obs)
        stillSince = still ? (stillSince ?? Date.now()) : null
        if (
          sc.endWhen !== 'job-done' &&
          stillSince !== null &&
          Date.now() - stillSince >= NO_GAIN_SETTLE_MS
        ) {
          ended = 'no-gain'
          o.print(
            `testnet: no agent found a gain: every VM's profile has its ${DEFAULT_UTILITY_MODEL.minSamples} samples and for ${NO_GAIN_SETTLE_MS / 1000} s no agent pursued a partner; ending the run`,
          )
          for (const line of marketLines(world, obs)) o.print(`testnet:   ${line}`)
          break
        }
      }
      if (sc.endWhen === 'market-settled') {
        // every swap done (or aborted), no agent negotiating, the rule expecting nothing more
        const open = obs.swaps.some((x) => x.endedAt === null && x.outcome !== 'aborted')
        const lastEnd = Math.max(0, ...obs.swaps.map((x) => x.endedAt ?? 0))
        const quiet =
          obs.swaps.length > 0 &&
          !open &&
          Date.now() - lastEnd >= sc.afterS * 1000 &&
          !anyNegotiating(obs) &&
          expectation.swaps.length === 0
        quietSince = quiet ? (quietSince ?? Date.now()) : null
        if (quietSince !== null && Date.now() - quietSince >= MARKET_SETTLE_MS) {
          ended = 'done'
          o.print(
            `testnet: the market settled: every swap done and no agent negotiating for ${MARKET_SETTLE_MS / 1000} s`,
          )
          break
        }
      } else if (sc.endWhen === 'job-done') {
        if (obs.records.some((r) => r.type === 'job' && r.event === 'done')) {
          ended = 'done'
          break
        }
      } else {
        const lastEnd = Math.max(...obs.swaps.map((x) => x.endedAt ?? Infinity))
        if (obs.swaps.length > 0 && Number.isFinite(lastEnd) && Date.now() - lastEnd >= sc.afterS * 1000) {
          ended = 'done'
          break
        }
      }
      await sleep(POLL_MS, o.signal)
    }
    for (const line of await obs.poll()) o.print(line)
    if (trading) await obs.pollAgents()
    if (trading && obs.swaps.length === 0 && ended !== 'no-gain' && ended !== 'aborted') {
      o.print(`testnet: no swap was agreed within the run; each agent's best partner:`)
      for (const line of marketLines(world, obs)) o.print(`testnet:   ${line}`)
    }
    if (view !== null) {
      await view.stop()
      view = null
    }
    const rule: Expectation = {
      swaps: expectedUpTo.size > 0 ? [...expectedUpTo.values()] : expectation.swaps,
      verdicts: (verdictBefore ?? expectation).verdicts,
    }
    return await finish(world, obs, run, ended, rule, o.print)
  } finally {
    if (view !== null) await view.stop().catch(() => undefined)
    await world.close()
  }
}

async function finish(
  world: World,
  obs: RunObserver,
  scenarioRun: ScenarioRun,
  ended: RunEnd,
  rule: Expectation,
  print: (line: string) => void,
): Promise<RunOnceOutcome> {
  const improvements: Improvement[] = []
  const downtimes: Downtime[] = []
  const disks: DiskCheck[] = []
  // a swap whose VMs never left has nothing to measure: the run ended before they acted on it
  const left = (x: ObservedSwap): boolean =>
    x.outcome === 'committed' ||
    [x.a.host, x.b.host].some((h) =>
      obs.status.get(h)?.boots.some((b) => b.kind === 'stateless' && b.atMs >= x.startedAt - 1000),
    )
  const idle = obs.swaps.filter((x) => !left(x))
  for (const x of obs.swaps.filter(left)) {
    for (const [me, other] of [
      [x.a, x.b],
      [x.b, x.a],
    ] as const) {
      const judged = world.vms.get(me.vm)?.spec.judgedBy ?? null
      if (judged !== null)
        improvements.push(improvement(obs.records, me.vm, judged, me.host, other.host, x.startedAt))
      downtimes.push(downtime(obs.records, obs.status.get(me.host), me.vm, other.host, x.startedAt))
      disks.push(diskCheck(obs.status.get(me.host), obs.status.get(other.host), me.vm, me.host, other.host))
    }
  }
  const ownerName = new Map(
    [...world.owners].map(([name, k]) => [Buffer.from(k.publicKey).toString('hex'), name]),
  )
  const ledger: LedgerFacts = {
    verified: false,
    verifyDetail: 'not checked',
    swaps: [],
    owners: {},
    balances: {},
    paymentsBalanced: true,
  }
  try {
    const v = await world.ledger.verify()
    ledger.verified = v.ok
    ledger.verifyDetail = v.detail
    for (const x of obs.swaps)
      ledger.swaps.push({ id: x.id, status: (await world.ledger.swap(x.id))?.status ?? null })
    for (const h of world.hosts) {
      const owner = await world.ledger.ownerOf(h.name)
      ledger.owners[h.name] = owner === null ? null : (ownerName.get(owner) ?? owner)
    }
    let received = 0n
    let paid = 0n
    for (const b of await world.ledger.balances()) {
      ledger.balances[ownerName.get(b.owner) ?? b.owner] = b.creditsMicros - b.debitsMicros
      received += b.creditsMicros
      paid += b.debitsMicros
    }
    ledger.paymentsBalanced = received === paid
  } catch (err) {
    ledger.verifyDetail = `the anchor did not answer: ${(err as Error).message}`
  }
  // which agents hold each agreement in their own stores: the agreements are theirs
  const held = new Map<string, string[]>()
  // and how each chose its partner ("<vm>: matching session <k>")
  const chosen = new Map<string, string[]>()
  const traders = new Set(obs.swaps.flatMap((x) => [x.a.vm, x.b.vm]))
  const readBy = Date.now() + AGREEMENTS_WAIT_MS
  for (const vm of traders) {
    const host = obs.hostOf(vm)
    const root = host === null ? undefined : obs.status.get(host)?.vm?.root
    if (root === undefined) continue
    // an agent that just came up on its new host may still be starting (slowly, on a CPU-limited host)
    let list = await agentAgreements(agentDataDir(root))
    while (list === null && Date.now() < readBy) {
      await sleep(POLL_MS)
      list = await agentAgreements(agentDataDir(root))
    }
    for (const a of list ?? []) {
      held.set(a.swapId, [...(held.get(a.swapId) ?? []), vm])
      if (a.chosenBy !== undefined)
        chosen.set(a.swapId, [...(chosen.get(a.swapId) ?? []), `${vm}: ${a.chosenBy}`])
    }
  }
  for (const x of obs.swaps) {
    x.heldBy = held.get(x.id) ?? []
    x.chosenBy = chosen.get(x.id) ?? []
  }
  let market: MarketCheckResult | null = null
  if (world.scenario.marketChecks === true) {
    // the swapped VMs' agents answer by now: their markets and counters as they stand at the end
    await obs.poll()
    await obs.pollAgents()
    market = await marketChecks(world, obs, ledger.balances).catch(
      (err): MarketCheckResult => ({
        checks: [
          {
            name: 'the market checks ran',
            ok: false,
            detail: `the anchor or the hosts did not answer: ${(err as Error).message}`,
          },
        ],
        liars: [],
      }),
    )
    for (const c of market.checks) print(`testnet: check ${c.ok ? 'ok' : 'FAILED'}: ${c.name} (${c.detail})`)
  }
  const expected = expectedPairs(rule)
  const agreed = obs.swaps.map((x): [string, string] => [x.a.vm, x.b.vm])
  const samePair = (p: [string, string], q: [string, string]): boolean =>
    (p[0] === q[0] && p[1] === q[1]) || (p[0] === q[1] && p[1] === q[0])
  const placement = Object.fromEntries([...world.vms.keys()].map((vm) => [vm, obs.hostOf(vm)]))
  const start = obs.startedAt
  const hostOf = (vm: string, atMs: number): string | null => {
    let host: string | null = null
    for (const r of obs.records) if (r.vm === vm && r.type === 'sample' && r.t <= atMs) host = r.host
    return host
  }
  const jobDone = obs.records.find((r) => r.type === 'job' && r.event === 'done')
  const jobStarted = obs.records.find((r) => r.type === 'job' && r.event === 'started')
  const totalSeconds =
    jobDone !== undefined && jobStarted !== undefined
      ? (jobDone.t - jobStarted.t) / 1000
      : Math.max(0, (Date.now() - start) / 1000)
  const run: RunResults = {
    id: scenarioRun.id,
    label: scenarioRun.label,
    placement: scenarioRun.placement,
    startedAt: new Date(start).toISOString(),
    totalSeconds,
    tasks: dfsioTasks(obs.records, start, hostOf),
    series: seriesFromStatus(obs.records, start),
    swaps: obs.swaps.map((x) => ({
      id: x.id,
      vms: [x.a.vm, x.b.vm] as [string, string],
      hosts: [x.a.host, x.b.host] as [string, string],
      ...swapSeconds(x, start),
      outcome: x.outcome ?? 'agreed',
      bytesMoved: null,
      downtime: downtimes
        .filter((d) => d.vm === x.a.vm || d.vm === x.b.vm)
        .map((d) => {
          const startS = Math.max(0, (d.leftAt - start) / 1000)
          return { vm: d.vm, startS, endS: Math.max(startS, ((d.backAt ?? Date.now()) - start) / 1000) }
        }),
      agreement: {
        seq: x.agreedSeq,
        priceMicros: x.priceMicros.toString(),
        payer: x.payer,
        statedGainMicros: [x.statedGainMicros.a.toString(), x.statedGainMicros.b.toString()] as [
          string,
          string,
        ],
        payment:
          x.payment === null
            ? null
            : {
                payer: x.payment.payer,
                payee: x.payment.payee,
                amountMicros: x.payment.amountMicros.toString(),
              },
      },
    })),
    ledgerChecks: [
      { name: "the ledger's chain verifies", ok: ledger.verified, detail: ledger.verifyDetail },
      ...ledger.swaps.map((s) => ({
        name: `swap ${s.id.slice(0, 8)} committed`,
        ok: s.status === 'committed',
        detail: `status ${s.status ?? 'unknown'}`,
      })),
      ...Object.entries(ledger.owners).map(([loc, owner]) => {
        const vm =
          placement[Object.keys(placement).find((k) => placement[k] === loc) ?? ''] === loc
            ? Object.keys(placement).find((k) => placement[k] === loc)!
            : null
        const runsThere = vm === null ? null : (world.vms.get(vm)?.spec.owner ?? null)
        return {
          name: `location ${loc} owned by ${owner ?? 'nobody'}`,
          ok: runsThere === null || runsThere === owner,
          detail: vm === null ? 'no VM runs there at the end' : `${vm} of ${runsThere} runs there`,
        }
      }),
      {
        name: 'payments balance',
        ok: ledger.paymentsBalanced,
        detail:
          Object.entries(ledger.balances)
            .map(([owner, b]) => `${owner} ${b > 0n ? '+' : ''}${b}`)
            .join(', ') || 'no payments',
      },
      ...obs.swaps
        .filter((x) => x.outcome === 'committed' && x.priceMicros > 0n)
        .map((x) => ({
          name: `swap ${x.id.slice(0, 8)}'s price paid`,
          ok: x.payment !== null && x.payment.amountMicros === x.priceMicros,
          detail:
            x.payment === null
              ? 'the COMMIT recorded no payment'
              : `${x.payment.payer} paid ${x.payment.payee} ${x.payment.amountMicros} micro-credits`,
        })),
      ...(market?.checks ?? []).map((c: MarketCheck) => ({ name: c.name, ok: c.ok, detail: c.detail })),
    ],
  }
  return {
    run,
    swaps: obs.swaps,
    improvements,
    downtimes,
    disks,
    ledger,
    placement,
    verdicts: rule.verdicts,
    expected,
    notes: [
      ...obs.swaps.map(
        (x) =>
          `${x.a.vm} (${x.a.host}) and ${x.b.vm} (${x.b.host}) agreed: ${termsText(x)}; registered by their agents at ledger entry #${x.agreedSeq}, held by ${x.heldBy.join(' and ') || 'no agent that answered at the end'}${x.chosenBy.length > 0 ? `; partners chosen by ${x.chosenBy.join(', ')}` : ''}`,
      ),
      ...idle.map(
        (x) =>
          `swap ${x.id.slice(0, 8)} of ${x.a.vm} and ${x.b.vm}: registered at entry #${x.agreedSeq}, but neither VM had left for it when the run ended`,
      ),
      ...improvements.map(
        (i) =>
          `${i.vm}: ${i.metric} ${i.before.toFixed(2)} ${i.unit} before the swap, ${i.after.toFixed(2)} ${i.unit} after (${i.samplesBefore} and ${i.samplesAfter} samples)`,
      ),
      ...downtimes.map(
        (d) =>
          `${d.vm}: down ${d.backAt === null ? 'until the end of the run' : `${((d.backAt - d.leftAt) / 1000).toFixed(1)} s`} (its system left, to its workload's first sample on the new host)`,
      ),
      ...disks.map(
        (d) =>
          `${d.vm}: disk ${d.same ? 'arrived bit for bit' : 'DIFFERS'} (${d.from} -> ${d.to}, sha256 ${d.left?.slice(0, 16) ?? '?'})`,
      ),
      ...(scenarioRun.placement !== 'vboom'
        ? []
        : [
            expected.length === 0
              ? `by the market's rule over the adverts (before the first agreement), no pair gains: ${rule.verdicts.map((v) => `${v.vms.join('/')} ${v.why}`).join(', ') || 'no adverts with profiles yet'}`
              : `by the market's rule over the adverts (up to the first agreement), ${expected.map(pairText).join(', ')} would gain; the agents agreed ${agreed.map(pairText).join(', ') || 'nothing'}${agreed.length > 0 && agreed.every((q) => expected.some((p) => samePair(p, q))) ? '' : ' (NOT what the rule expects)'}`,
          ]),
      ...(scenarioRun.placement === 'vboom' && obs.swaps.length === 0
        ? [
            `no swap was agreed${ended === 'no-gain' ? ': no agent found a gain' : ` within the run's ${Math.round((Date.now() - start) / 1000)} s`}; each agent's best partner: ${marketLines(world, obs).join('; ')}`,
          ]
        : []),
    ],
    ended,
    market,
  }
}
