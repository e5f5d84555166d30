/**
 * The profiler: runs the anchor-signed suite on this VM on a jittered
 * schedule within a CPU and disk budget (schedule.ts), never while the
 * activity gate is held (activity-gate.ts), keeps every sample in the
 * agent's database with a retention limit (sample-store.ts), and derives the
 * location's profile with the market's robust statistics (profile-tracker.ts).
 *
 * The benchmarks come from the probe service, which fetched the catalog and
 * modules from the anchor and checked each against the trusted key; the
 * sandbox checks signature and hash again before each run. A run aborted by
 * the gate keeps no sample (it measured a machine something else loaded) but
 * its cost counts against the budget. A failed benchmark is logged and
 * counted; the others of the run still count.
 */
import type { Profile } from '../../protocols/advert.js'
import type { VBoomError } from '../../protocols/errors.js'
import type { Db } from '../../runtime/data-dir.js'
import type { Logger } from '../../runtime/log.js'
import { HOST_FUNCTIONS, isHostFunction } from '../../runtime/sandbox/host-functions.js'
import {
  type BenchmarkResult,
  type IoGate,
  runBenchmark,
  type VerifiedBenchmark,
} from '../../runtime/sandbox/index.js'
import { DEFAULT_SERIES_OPTIONS, type SeriesOptions } from '../market/profile-stats.js'
import type { ActivityGate } from './activity-gate.js'
import { type Clock, systemClock } from './clock.js'
import { type DetectedChange, materialChange, ProfileTracker, type ResourceView } from './profile-tracker.js'
import { type RunMeter, startRunMeter } from './run-meter.js'
import {
  type Retention,
  type RunOutcome,
  type RunRecord,
  SampleStore,
  type StoredSample,
} from './sample-store.js'
import {
  budgetFloorMs,
  checkScheduleOptions,
  firstRun,
  type NextRun,
  nextRunAfter,
  type RunCost,
  retryRun,
  type ScheduleOptions,
} from './schedule.js'
import { chooseSuite, type ProfiledBenchmark, type SuiteChoice } from './suite.js'

/** Runs one verified benchmark on this VM. */
export type BenchmarkRunner = (
  b: VerifiedBenchmark,
  opts: { signal: AbortSignal; diskDir: string },
) => Promise<Pick<BenchmarkResult, 'value'> & { io?: BenchmarkResult['io'] }>

export interface ProfilerOptions extends Omit<ScheduleOptions, 'cores'>, Retention {
  /** The profile's window (profile-stats windowMs). */
  windowMs: number
  /** Benchmark names to run, in order; default the standard suite (suite.ts). */
  benchmarks?: string[]
}

export interface ProfilerInit {
  db: Db
  gate: ActivityGate
  /** The location measured: samples of another one are dropped at start. */
  location: string
  /** The verified benchmarks the probe service fetched from the anchor (empty until then). */
  suite: () => readonly VerifiedBenchmark[]
  /** The trusted anchor key: the sandbox checks each benchmark against it again. */
  anchorKey: Uint8Array
  /** Where disk benchmarks write: a directory on the VM's disk. */
  diskDir: string
  /** What the disk benchmarks' I/O waits for where the disk's limits are emulated (Platform.ioGate); none by default. */
  ioGate?: IoGate
  options: ProfilerOptions
  /** The VM's cores; default os.availableParallelism(). */
  cores: number
  log: Logger
  /** Called after a run whose profile differs materially from the last one reported (with why). */
  onMaterialChange?: (reason: string) => void
  /** Called after each run, once its samples are kept (logs, metrics, tests). */
  onRun?: (run: { outcome: RunOutcome; samples: readonly StoredSample[]; cost: RunCost }) => void
  clock?: Clock
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number
  runner?: BenchmarkRunner
  meter?: () => Promise<RunMeter>
}

export interface ProfilerStatus {
  location: string
  state: 'starting' | 'waiting' | 'measuring' | 'stopped'
  next: { at: string; reason: NextRun['reason'] } | null
  benchmarks: { resource: string; name: string }[]
  skipped: SuiteChoice['skipped']
  budget: {
    cpuShare: number
    diskShare: number
    /** Long-run shares used so far: totals over the time from the first run to now or the budget floor, whichever is later. */
    usedCpuShare: number
    usedDiskShare: number
    runs: number
    notBefore: string
  }
  lastRun: (NonNullable<RunRecord['last']> & { at: string }) | null
  resources: Record<string, ResourceView>
  changes: (DetectedChange & { since: string; detectedAt: string })[]
}

const iso = (ms: number): string => new Date(ms).toISOString()

const EMPTY_RECORD = (): RunRecord => ({
  notBeforeMs: 0,
  last: null,
  totals: { sinceMs: 0, runs: 0, cpuMs: 0, diskMs: 0, readBytes: 0, writeBytes: 0 },
})

export class Profiler {
  private readonly store: SampleStore
  private readonly tracker: ProfileTracker
  private readonly clock: Clock
  private readonly random: () => number
  private readonly schedule: ScheduleOptions
  private readonly runner: BenchmarkRunner
  private record: RunRecord = EMPTY_RECORD()
  private next: NextRun | null = null
  private cancelTimer: (() => void) | null = null
  private running: Promise<void> | null = null
  private readonly stopping = new AbortController()
  private state: ProfilerStatus['state'] = 'starting'
  private choice: SuiteChoice = { chosen: [], skipped: [] }
  /** The profile last reported through onMaterialChange (or at start). */
  private reported: Profile = {}

  constructor(private readonly init: ProfilerInit) {
    this.schedule = { ...init.options, cores: init.cores }
    checkScheduleOptions(this.schedule)
    this.store = new SampleStore(init.db)
    const series: SeriesOptions = {
      ...DEFAULT_SERIES_OPTIONS,
      windowMs: init.options.windowMs,
      maxSamples: Math.max(DEFAULT_SERIES_OPTIONS.detection.warmup, init.options.retentionSamples),
    }
    this.tracker = new ProfileTracker(series)
    this.clock = init.clock ?? systemClock
    this.random = init.random ?? Math.random
    this.runner =
      init.runner ??
      ((b, o) =>
        runBenchmark(b.signed, b.module, init.anchorKey, {
          disk: { dir: o.diskDir, gate: init.ioGate },
          signal: o.signal,
        }))
  }

  /** Replays the kept samples, then schedules the first run. */
  async start(): Promise<void> {
    for (const s of await this.store.load(this.init.location)) this.tracker.add(s)
    this.reported = this.tracker.profile()
    this.record = (await this.store.loadRun()) ?? EMPTY_RECORD()
    this.plan(firstRun(this.clock.now(), this.record.notBeforeMs, this.schedule, this.random))
  }

  /** Stops scheduling; a run in progress is aborted and waited for. */
  async stop(): Promise<void> {
    this.stopping.abort()
    this.cancelTimer?.()
    this.cancelTimer = null
    this.next = null
    await this.running
    this.state = 'stopped'
  }

  /** What the profiler's runs cost so far, cumulative (the needs learner takes it out of the workload's signals). */
  totals(): { cpuMs: number; diskMs: number; readBytes: number; writeBytes: number } {
    const { cpuMs, diskMs, readBytes, writeBytes } = this.record.totals
    return { cpuMs, diskMs, readBytes, writeBytes }
  }

  /** The measured profile now. */
  profile(): Profile {
    return this.tracker.profile()
  }

  status(): ProfilerStatus {
    const t = this.record.totals
    // Up to the budget floor: the gap after the last run is what that run paid for its cost.
    const elapsed = Math.max(1, Math.max(this.clock.now(), this.record.notBeforeMs) - t.sinceMs)
    const last = this.record.last
    return {
      location: this.init.location,
      state: this.state,
      next: this.next === null ? null : { at: iso(this.next.atMs), reason: this.next.reason },
      benchmarks: this.choice.chosen.map((c) => ({ resource: c.resource, name: c.benchmark.manifest.name })),
      skipped: this.choice.skipped,
      budget: {
        cpuShare: this.schedule.cpuShare,
        diskShare: this.schedule.diskShare,
        usedCpuShare: t.runs === 0 ? 0 : t.cpuMs / (elapsed * this.schedule.cores),
        usedDiskShare: t.runs === 0 ? 0 : t.diskMs / elapsed,
        runs: t.runs,
        notBefore: iso(this.record.notBeforeMs),
      },
      lastRun: last === null ? null : { ...last, at: iso(last.startedAtMs) },
      resources: this.tracker.view() as Record<string, ResourceView>,
      changes: this.tracker.recentChanges.map((c) => ({
        ...c,
        since: iso(c.sinceMs),
        detectedAt: iso(c.detectedAtMs),
      })),
    }
  }

  /** Runs the suite now if the budget and the gate allow, else plans when (the timer calls it). Resolves when done. */
  async runDue(): Promise<void> {
    if (this.running !== null) return await this.running
    this.running = this.tick()
      .catch((err: unknown) => {
        // Only the database can fail here (benchmark failures are handled per benchmark): retry later.
        this.init.log.error({ err }, 'profiling run failed; retrying later')
        this.plan(retryRun(this.clock.now(), this.record.notBeforeMs, 'error', this.schedule, this.random))
      })
      .finally(() => {
        this.running = null
      })
    await this.running
  }

  private plan(next: NextRun): void {
    this.cancelTimer?.()
    if (this.stopping.signal.aborted) return
    this.next = next
    this.state = 'waiting'
    this.cancelTimer = this.clock.setTimer(() => {
      this.cancelTimer = null
      void this.runDue()
    }, next.atMs - this.clock.now())
  }

  private async tick(): Promise<void> {
    if (this.stopping.signal.aborted) return
    const now = this.clock.now()
    if (now < this.record.notBeforeMs) {
      this.plan({ atMs: this.record.notBeforeMs, reason: 'budget' })
      return
    }
    this.choice = chooseSuite(this.init.suite(), this.init.options.benchmarks)
    if (this.choice.chosen.length === 0) {
      this.plan(retryRun(now, this.record.notBeforeMs, 'no-suite', this.schedule, this.random))
      return
    }
    const slot = this.init.gate.tryMeasure()
    if (slot === null) {
      this.init.log.debug({ busy: this.init.gate.busy }, 'profiling run deferred: the agent is busy')
      this.plan(retryRun(now, this.record.notBeforeMs, 'busy', this.schedule, this.random))
      return
    }
    this.state = 'measuring'
    this.next = null
    let outcome: RunOutcome
    let cost: RunCost
    const samples: StoredSample[] = []
    const startedAtMs = now
    try {
      const meter = await (this.init.meter ?? startRunMeter)()
      const signal = AbortSignal.any([slot.signal, this.stopping.signal])
      const r = await this.measure(this.choice.chosen, signal, samples)
      outcome = signal.aborted ? 'aborted' : r.failed === this.choice.chosen.length ? 'failed' : 'measured'
      cost = await meter.finish(Math.max(0, this.clock.now() - startedAtMs), r.diskMs, r.benchmarkBytes)
    } finally {
      slot.end()
    }
    if (outcome !== 'measured') samples.length = 0
    await this.keep(samples)
    await this.account(startedAtMs, outcome, cost)
    this.init.log.info(
      {
        outcome,
        samples: samples.map((s) => ({ [s.resource]: s.value })),
        cpuMs: Math.round(cost.cpuMs),
        diskMs: Math.round(cost.diskMs),
        wallMs: Math.round(cost.wallMs),
      },
      'profiling run',
    )
    this.init.onRun?.({ outcome, samples, cost })
    if (this.stopping.signal.aborted) return
    this.plan(nextRunAfter(startedAtMs, cost, this.schedule, this.random))
    const reason = this.materialChange()
    if (reason !== null) this.init.onMaterialChange?.(reason)
  }

  /** Runs each benchmark in turn until the signal aborts; collects samples. */
  private async measure(
    suite: ProfiledBenchmark[],
    signal: AbortSignal,
    samples: StoredSample[],
  ): Promise<{ diskMs: number; failed: number; benchmarkBytes: number }> {
    let diskMs = 0
    let failed = 0
    let benchmarkBytes = 0
    for (const p of suite) {
      if (signal.aborted) break
      const usesDisk = p.benchmark.manifest.hostFunctions.some(
        (h) => isHostFunction(h) && HOST_FUNCTIONS[h] === 'disk',
      )
      const t0 = this.clock.now()
      try {
        const r = await this.runner(p.benchmark, { signal, diskDir: this.init.diskDir })
        benchmarkBytes += r.io?.bytes ?? 0
        if (signal.aborted) break
        samples.push({
          resource: p.resource,
          atMs: this.clock.now(),
          value: r.value,
          bench: p.id,
          location: this.init.location,
        })
      } catch (err) {
        if (signal.aborted) break
        failed++
        this.init.log.warn(
          { benchmark: p.benchmark.manifest.name, code: (err as VBoomError).code },
          'profiling benchmark failed; the next run tries again',
        )
      } finally {
        if (usesDisk) diskMs += Math.max(0, this.clock.now() - t0)
      }
    }
    return { diskMs, failed, benchmarkBytes }
  }

  private async keep(samples: StoredSample[]): Promise<void> {
    for (const s of samples) this.tracker.add(s)
    await this.store.put(samples)
    await this.store.prune(this.clock.now(), this.init.options)
  }

  private async account(startedAtMs: number, outcome: RunOutcome, cost: RunCost): Promise<void> {
    const t = this.record.totals
    this.record = {
      notBeforeMs: budgetFloorMs(startedAtMs, cost, this.schedule),
      last: { startedAtMs, outcome, cost },
      totals: {
        sinceMs: t.runs === 0 ? startedAtMs : t.sinceMs,
        runs: t.runs + 1,
        cpuMs: t.cpuMs + cost.cpuMs,
        diskMs: t.diskMs + cost.diskMs,
        readBytes: t.readBytes + cost.readBytes,
        writeBytes: t.writeBytes + cost.writeBytes,
      },
    }
    await this.store.saveRun(this.record)
  }

  private materialChange(): string | null {
    const current = this.tracker.profile()
    const reason = materialChange(this.reported, current)
    if (reason !== null) this.reported = current
    return reason
  }
}
