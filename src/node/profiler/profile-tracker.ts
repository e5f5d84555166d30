/**
 * The measured profile: one profile-stats series per resource (median,
 * scaled MAD spread, count, window; the CUSUM restarts a series at a lasting
 * change), fed with the profiler's samples in time order. A resource's series
 * also restarts when its benchmark changes (another module, version or
 * name): numbers of two benchmarks do not belong in one median.
 */
import type { Profile, ResourceName, ResourceStat } from '../../protocols/advert.js'
import {
  type ChangeEvent,
  ResourceSeries,
  type RobustSummary,
  type SeriesOptions,
} from '../market/profile-stats.js'
import { MATERIAL_MIN_SAMPLES, MATERIAL_RELATIVE_CHANGE, MATERIAL_SPREAD_FRACTION } from './constants.js'
import type { StoredSample } from './sample-store.js'

/** The last changes detected, for status output. */
const MAX_CHANGES_KEPT = 16

export interface ResourceView extends RobustSummary {
  bench: string
  windowMs: number
  lastSampleAtMs: number
}

export interface DetectedChange extends ChangeEvent {
  resource: ResourceName
}

export class ProfileTracker {
  private readonly series = new Map<
    ResourceName,
    { bench: string; series: ResourceSeries; lastAtMs: number }
  >()
  private readonly changes: DetectedChange[] = []

  constructor(private readonly options: SeriesOptions) {}

  /** Adds a sample; returns the lasting change it completes, if any. */
  add(s: StoredSample): DetectedChange | null {
    let entry = this.series.get(s.resource)
    if (entry === undefined || entry.bench !== s.bench) {
      entry = { bench: s.bench, series: new ResourceSeries(this.options), lastAtMs: s.atMs }
      this.series.set(s.resource, entry)
    }
    // Stored samples are in order; equal times (a clock step back) are nudged rather than refused.
    const atMs = Math.max(s.atMs, entry.lastAtMs)
    entry.lastAtMs = atMs
    const event = entry.series.add({ atMs, value: s.value })
    if (event === null) return null
    const change = { ...event, resource: s.resource }
    this.changes.push(change)
    if (this.changes.length > MAX_CHANGES_KEPT) this.changes.shift()
    return change
  }

  /** The measured profile: a statistic per resource with samples. */
  profile(): Profile {
    const out: Profile = {}
    for (const [name, e] of this.series) if (e.series.size > 0) out[name] = e.series.stat()
    return out
  }

  view(): Partial<Record<ResourceName, ResourceView>> {
    const out: Partial<Record<ResourceName, ResourceView>> = {}
    for (const [name, e] of this.series) {
      if (e.series.size === 0) continue
      out[name] = {
        ...e.series.summary(),
        bench: e.bench,
        windowMs: e.series.stat().windowMs,
        lastSampleAtMs: e.lastAtMs,
      }
    }
    return out
  }

  get recentChanges(): readonly DetectedChange[] {
    return this.changes
  }
}

/** The measured profile with the config's override on top, per resource. */
export function advertisedProfile(measured: Profile, override: Profile): Profile {
  return { ...measured, ...override }
}

const moved = (a: ResourceStat, b: ResourceStat): boolean =>
  Math.abs(b.median - a.median) >
  Math.max(MATERIAL_RELATIVE_CHANGE * Math.abs(a.median), MATERIAL_SPREAD_FRACTION * a.spread)

/**
 * Why `current` differs materially from `published` (the profile of the last
 * advert), or null: a resource appeared or went, became tradable (reached
 * MATERIAL_MIN_SAMPLES), or its median moved (constants.ts).
 */
export function materialChange(published: Profile, current: Profile): string | null {
  const names = new Set([...Object.keys(published), ...Object.keys(current)] as ResourceName[])
  for (const name of names) {
    const a = published[name]
    const b = current[name]
    if (a === undefined) return `${name} measured`
    if (b === undefined) return `${name} no longer measured`
    if (a.samples < MATERIAL_MIN_SAMPLES && b.samples >= MATERIAL_MIN_SAMPLES) return `${name} tradable`
    if (moved(a, b)) return `${name} median ${a.median} -> ${b.median}`
  }
  return null
}
