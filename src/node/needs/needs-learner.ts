/**
 * The needs learner: reads the counters every sampleIntervalMs, turns each
 * interval into signals (signals.ts), folds them into half-life EWMAs
 * (ewma.ts) kept in the database (needs-store.ts), and derives the weights
 * with their provenance (derive.ts) on demand, against the current profile.
 * Off Linux (no /proc) nothing is learned and every weight not in the config
 * is the default 0, saying why.
 */
import type { Needs, Profile } from '../../protocols/advert.js'
import type { Db } from '../../runtime/data-dir.js'
import type { Logger } from '../../runtime/log.js'
import { type Clock, systemClock } from '../profiler/clock.js'
import { NEEDS_MATERIAL_CHANGE } from './constants.js'
import { deriveNeeds, type NeedsMode, type NeedsReport } from './derive.js'
import { type Smoothed, smooth } from './ewma.js'
import { NeedsStore } from './needs-store.js'
import { intervalSignals, type OwnCost } from './signals.js'
import { type CounterSnapshot, diskOfDir, type SnapshotSource, takeSnapshot } from './snapshot.js'

export interface NeedsLearningOptions {
  sampleIntervalMs: number
  halfLifeMs: number
  minObservedMs: number
}

export interface NeedsLearnerInit {
  db: Db
  /** The config's weights. */
  config: Needs
  mode: NeedsMode
  options: NeedsLearningOptions
  /** A directory on the VM's disk: its whole disk is the one followed. */
  diskDir: string
  cores: number
  /** The advertised profile now (calibrates the I/O split, link rate and round trip). */
  profile: () => Profile
  /** The agent's own benchmarks' cumulative cost (profiler totals), taken out of the signals. */
  ownCost?: () => OwnCost
  log: Logger
  /** Called when the weights change materially (constants.ts), with why. */
  onMaterialChange?: (reason: string) => void
  clock?: Clock
  /** Where /proc and /sys are, and which disk (`major:minor`) to follow (tests read captured trees). */
  roots?: { procRoot?: string; sysRoot?: string; disk?: string | null }
}

export class NeedsLearner {
  private readonly store: NeedsStore
  private readonly clock: Clock
  private smoothed: Smoothed | null = null
  private last: { snapshot: CounterSnapshot; own: OwnCost } | null = null
  private source: SnapshotSource | null = null
  private cancel: (() => void) | null = null
  private stopped = false
  private sampling: Promise<void> | null = null
  private reported: NeedsReport | null = null

  constructor(private readonly init: NeedsLearnerInit) {
    this.store = new NeedsStore(init.db)
    this.clock = init.clock ?? systemClock
  }

  get learning(): boolean {
    return this.init.mode !== 'config'
  }

  async start(): Promise<void> {
    this.smoothed = await this.store.loadSmoothed()
    this.reported = this.report()
    await this.store.saveReport(this.reported)
    if (!this.learning) return
    const sysRoot = this.init.roots?.sysRoot ?? '/sys'
    this.source = {
      procRoot: this.init.roots?.procRoot ?? '/proc',
      sysRoot,
      disk:
        this.init.roots?.disk !== undefined
          ? this.init.roots.disk
          : await diskOfDir(this.init.diskDir, sysRoot),
    }
    await this.sample()
    this.schedule()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.cancel?.()
    this.cancel = null
    await this.sampling
    // What `vboom needs` shows while the agent is stopped.
    await this.store.saveReport(this.report()).catch(() => {})
  }

  /** The weights now, with where each came from. */
  report(): NeedsReport {
    return deriveNeeds({
      smoothed: this.smoothed,
      profile: this.init.profile(),
      config: this.init.config,
      mode: this.init.mode,
      minObservedMs: this.init.options.minObservedMs,
      halfLifeMs: this.init.options.halfLifeMs,
    })
  }

  /** What the advert carries. */
  weights(): Needs {
    return this.report().weights
  }

  /** Takes a reading now and folds the interval since the last one in (the timer calls it). */
  sample(): Promise<void> {
    if (this.sampling !== null) return this.sampling
    this.sampling = this.sampleNow()
      .catch((err: unknown) => this.init.log.warn({ err }, 'needs sample failed; the next one tries again'))
      .finally(() => {
        this.sampling = null
      })
    return this.sampling
  }

  private schedule(): void {
    if (this.stopped) return
    this.cancel = this.clock.setTimer(() => {
      this.cancel = null
      void this.sample().then(() => this.schedule())
    }, this.init.options.sampleIntervalMs)
  }

  private async sampleNow(): Promise<void> {
    if (this.source === null) return
    const snapshot = await takeSnapshot(this.source, this.clock.now())
    const own = this.init.ownCost?.() ?? { cpuMs: 0, diskMs: 0, readBytes: 0, writeBytes: 0 }
    const prev = this.last
    this.last = { snapshot, own }
    if (prev === null) return
    const signals = intervalSignals(prev.snapshot, snapshot, this.init.cores, {
      cpuMs: Math.max(0, own.cpuMs - prev.own.cpuMs),
      diskMs: Math.max(0, own.diskMs - prev.own.diskMs),
      readBytes: Math.max(0, own.readBytes - prev.own.readBytes),
      writeBytes: Math.max(0, own.writeBytes - prev.own.writeBytes),
    })
    if (signals === null) return
    this.smoothed = smooth(this.smoothed, signals, snapshot.atMs, this.init.options.halfLifeMs)
    const report = this.report()
    await this.store.save(this.smoothed, report)
    const reason = this.reported === null ? null : materialNeedsChange(this.reported, report)
    if (reason !== null) {
      this.reported = report
      this.init.onMaterialChange?.(reason)
    }
  }
}

/** Why `b` differs materially from `a`, or null: learning became ready, a source changed, a weight moved. */
export function materialNeedsChange(a: NeedsReport, b: NeedsReport): string | null {
  if (a.learning.ready !== b.learning.ready) return 'learned needs ready'
  for (const e of b.entries) {
    const old = a.entries.find((x) => x.resource === e.resource)
    if (old === undefined || old.source !== e.source) return `${e.resource} now from ${e.source}`
    if (Math.abs(old.weight - e.weight) >= NEEDS_MATERIAL_CHANGE)
      return `${e.resource} weight ${old.weight} -> ${e.weight}`
  }
  return null
}
