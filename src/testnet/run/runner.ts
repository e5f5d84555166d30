/**
 * A testnet run: the world up (hosts, anchor, supervisors, VMs), the live
 * view, the owners' swap decisions from the agents' adverts, the swaps
 * driven through the lifecycle, what they changed measured, the report
 * written, everything taken down (also when the run is aborted).
 */
import { join } from 'node:path'
import { VBoomError } from '../../protocols/errors.js'
import type { ModeRequest } from '../hosts/index.js'
import {
  RESULTS_SCHEMA,
  type ReportFiles,
  type RunResults,
  type ScenarioResults,
  seriesFromStatus,
  writeReport,
} from '../report/index.js'
import { type LiveView, startLiveView, type ViewFormat } from '../view/index.js'
import { agentStatus } from './agent-control.js'
import { TestnetRunError, TestnetRunErrorCode } from './errors.js'
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
import { type DrivenSwap, RunObserver } from './observe.js'
import {
  marketRuleDecider,
  type PairVerdict,
  type SwapCandidate,
  type SwapDecider,
} from './owner-decision.js'
import { PAPER_REDUCTION_PCT, placedScenario, type Scenario, type ScenarioRun } from './scenarios.js'
import { agentDataDir, startSwap } from './swap-driver.js'
import { createWorld, type World } from './world.js'

/**
 * The emulated mode holds the workloads to the disk limits (they write
 * through the host's file API) but not the agents' disk benchmarks (the
 * profiler's sandbox writes directly), so adverts show every disk alike.
 */
const EMULATED_PROFILE_NOTE =
  "emulated mode: the agents' disk benchmarks are not held to the hosts' disk limits, so the adverts cannot show a slow disk and the market may see no gain in a disk-bound VM's move; run as root for the full scenario"

/** Between polls of the hosts and the anchor, ms. */
const POLL_MS = 1_000
/** Between market rounds (adverts read, the rule applied), ms: adverts change every few seconds here. */
const DECIDE_EVERY_MS = 3_000

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
  /** Who decides the swaps; default the market core's rule for every owner. */
  decider?: SwapDecider
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
}

/** One run of a scenario (one placement). */
export interface RunOnceOutcome {
  run: RunResults
  swaps: DrivenSwap[]
  improvements: Improvement[]
  downtimes: Downtime[]
  disks: DiskCheck[]
  ledger: LedgerFacts
  /** Where each VM ran at the end. */
  placement: Record<string, string | null>
  verdicts: PairVerdict[]
  notes: string[]
  ended: 'done' | 'duration' | 'aborted'
}

/** A scenario's outcome: its runs, and the figures of its run with VBoom (or its last) at the top. */
export interface RunOutcome {
  runs: RunOnceOutcome[]
  /** The paper's figures when the scenario ran without VBoom, with it and with the oracle placement. */
  comparison: string[]
  mode: 'root' | 'emulated'
  modeReason: string
  swaps: DrivenSwap[]
  improvements: Improvement[]
  downtimes: Downtime[]
  disks: DiskCheck[]
  ledger: LedgerFacts
  /** Where each VM ran at the end. */
  placement: Record<string, string | null>
  verdicts: PairVerdict[]
  results: ScenarioResults
  report: ReportFiles | null
  /** Why the run ended. */
  ended: 'done' | 'duration' | 'aborted'
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

/** The adverts of the VMs that run now, as the market reads them. */
async function candidates(w: World, obs: RunObserver): Promise<SwapCandidate[]> {
  const out: SwapCandidate[] = []
  for (const h of w.hosts) {
    const s = obs.status.get(h.name)
    if (s?.state !== 'vm' || s.vm === null) continue
    const st = await agentStatus(agentDataDir(s.vm.root))
    const ad = st?.advert as
      | { profile?: SwapCandidate['profile']; needs?: SwapCandidate['needs']; askMicros?: string }
      | null
      | undefined
    if (ad?.profile === undefined || ad.needs === undefined) continue
    out.push({
      vm: s.vm.name,
      location: h.name,
      profile: ad.profile,
      needs: ad.needs,
      askMicros: BigInt(ad.askMicros ?? '0'),
      diskBytes: s.vm.instanceClass.diskBytes,
    })
  }
  return out
}

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
    const r = await runOnce(o, run, (m, why) => {
      mode = m
      modeReason = why
    })
    runs.push(r)
    if (r.ended === 'aborted') break
  }
  const main = runs.find((r) => r.run.placement === 'vboom') ?? runs.at(-1)
  if (main === undefined)
    throw new TestnetRunError(TestnetRunErrorCode.INTERRUPTED, 'the run was interrupted before it started')
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
      "the owners decide by the market core's rule (decision.ts, utility.ts) over their agents' adverts, applied by the run for them",
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
    results,
    report,
    ended: runs.some((r) => r.ended === 'aborted') ? 'aborted' : main.ended,
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
  const decider = run.placement === 'vboom' ? (o.decider ?? marketRuleDecider()) : null
  const world = await createWorld(sc, {
    mode: o.mode ?? 'auto',
    baseDir: o.baseDir,
    print: o.print,
    logDir: o.resultsDir ?? undefined,
  })
  let view: LiveView | null = null
  try {
    onMode(world.fabric.mode, world.fabric.reason)
    o.onWorld?.(world)
    o.print(
      `testnet: ${world.fabric.mode} mode: ${world.fabric.reason}${world.fabric.mode === 'emulated' ? '; VM disks are copied out with debugfs at boot and written back with mkfs.ext4 -d' : '; VM disks are loop devices with direct I/O'}`,
    )
    if (world.fabric.mode === 'emulated') o.print(`testnet: ${EMULATED_PROFILE_NOTE}`)
    o.print(`testnet: run directory ${world.baseDir}; anchor ${world.anchorAddr}`)
    const obs = new RunObserver(world)
    await obs.poll()
    if (o.view !== 'none') view = startLiveView(() => obs.snapshot(), { format: o.view })
    const deadline = obs.startedAt + o.durationS * 1000
    let ended: RunOnceOutcome['ended'] = 'duration'
    let verdicts: PairVerdict[] = []
    let lastDecide = 0
    const swapped = new Set<string>()
    while (Date.now() < deadline) {
      if (o.signal?.aborted) {
        ended = 'aborted'
        break
      }
      await obs.poll()
      // one market round at a time, among VMs not in a swap yet
      if (decider !== null && obs.swaps.length === 0 && Date.now() - lastDecide >= DECIDE_EVERY_MS) {
        lastDecide = Date.now()
        const c = (await candidates(world, obs)).filter((x) => !swapped.has(x.vm))
        const d = decider.decide(c, Date.now())
        verdicts = d.verdicts
        for (const plan of d.swaps) {
          o.print(
            `testnet: ${plan.a.vm} (${plan.a.location}) and ${plan.b.vm} (${plan.b.location}) agree to swap: each gains by the market's rule (${Math.round(plan.aMicros)} and ${Math.round(plan.bMicros)} micro-credits over the horizon)`,
          )
          swapped.add(plan.a.vm)
          swapped.add(plan.b.vm)
          try {
            obs.swaps.push(
              await startSwap(world, plan, (host) => agentDataDir(obs.status.get(host)!.vm!.root)),
            )
          } catch (err) {
            // the run goes on without this swap; the agents that did not leave keep running
            if (!(err instanceof VBoomError)) throw err
            o.print(`testnet: the swap of ${plan.a.vm} and ${plan.b.vm} did not start: ${err.message}`)
          }
        }
      }
      for (const x of obs.swaps) {
        if (x.endedAt !== null) continue
        const aBack = obs.records.some((r) => r.vm === x.a.vm && r.host === x.b.host && r.t > x.startedAt)
        const bBack = obs.records.some((r) => r.vm === x.b.vm && r.host === x.a.host && r.t > x.startedAt)
        const aborted = [x.a.host, x.b.host].some((h) => obs.status.get(h)?.swap?.phase === 'aborted')
        if ((aBack && bBack) || aborted) {
          x.endedAt = Date.now()
          const st = await world.console.swap(Buffer.from(x.id, 'hex')).catch(() => null)
          x.outcome = st?.status === 'committed' ? 'committed' : 'aborted'
          o.print(
            `testnet: swap ${x.id.slice(0, 8)} ${x.outcome}: ${x.a.vm} now on ${x.b.host}, ${x.b.vm} on ${x.a.host}`,
          )
        }
      }
      if (sc.endWhen === 'job-done') {
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
    await obs.poll()
    if (view !== null) {
      await view.stop()
      view = null
    }
    return await finish(world, obs, run, ended, verdicts)
  } finally {
    if (view !== null) await view.stop().catch(() => undefined)
    await world.close()
  }
}

async function finish(
  world: World,
  obs: RunObserver,
  scenarioRun: ScenarioRun,
  ended: RunOnceOutcome['ended'],
  verdicts: PairVerdict[],
): Promise<RunOnceOutcome> {
  const improvements: Improvement[] = []
  const downtimes: Downtime[] = []
  const disks: DiskCheck[] = []
  for (const x of obs.swaps) {
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
  const ledger: LedgerFacts = { verified: false, verifyDetail: 'not checked', swaps: [], owners: {} }
  try {
    const v = await world.console.verify()
    ledger.verified = v.ok
    ledger.verifyDetail = v.detail
    for (const x of obs.swaps)
      ledger.swaps.push({
        id: x.id,
        status: (await world.console.swap(Buffer.from(x.id, 'hex')))?.status ?? null,
      })
    for (const h of world.hosts) {
      const owner = await world.console.ownerOf(h.name)
      ledger.owners[h.name] = owner === null ? null : (ownerName.get(owner) ?? owner)
    }
  } catch (err) {
    ledger.verifyDetail = `the anchor did not answer: ${(err as Error).message}`
  }
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
      outcome: x.outcome ?? 'aborted',
      bytesMoved: null,
      downtime: downtimes
        .filter((d) => d.vm === x.a.vm || d.vm === x.b.vm)
        .map((d) => {
          const startS = Math.max(0, (d.leftAt - start) / 1000)
          return { vm: d.vm, startS, endS: Math.max(startS, ((d.backAt ?? Date.now()) - start) / 1000) }
        }),
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
    verdicts,
    notes: [
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
      ...(obs.swaps.length === 0
        ? [
            `no swap was agreed: ${verdicts.map((v) => `${v.vms.join('/')} ${v.why}`).join(', ') || 'no adverts with profiles yet'}`,
          ]
        : []),
    ],
    ended,
  }
}
