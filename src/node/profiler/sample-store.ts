/**
 * The profiler's time series in the agent's database.
 *
 * Keys (one bucket per prefix, as elsewhere in src/node):
 *   profiler/sample/<resource>/<atMs, 15 digits>  -> JSON {v, b, l}: value in
 *       the benchmark's unit, benchmark id (suite.ts), location measured
 *   profiler/run                                  -> JSON RunRecord
 * Zero-padded times make key order time order within a resource.
 * Retention: a sample older than retentionMs, or beyond the newest
 * retentionSamples of its resource, is deleted after each run.
 */
import { RESOURCE_NAMES, type ResourceName } from '../../protocols/advert.js'
import type { Db } from '../../runtime/data-dir.js'
import type { RunCost } from './schedule.js'

const SAMPLE_PREFIX = 'profiler/sample/'
const RUN_KEY = 'profiler/run'
/** 15 digits of ms reach the year 33658. */
const TIME_DIGITS = 15

export interface StoredSample {
  resource: ResourceName
  atMs: number
  value: number
  /** The benchmark's id (suite.ts benchmarkId). */
  bench: string
  location: string
}

/** The last run and the running totals behind the budget, kept across restarts. */
export interface RunRecord {
  /** The budget floor: no run starts before this, ms since the epoch. */
  notBeforeMs: number
  last: { startedAtMs: number; outcome: RunOutcome; cost: RunCost } | null
  /** Totals since `sinceMs` (the first run's start). */
  totals: {
    sinceMs: number
    runs: number
    cpuMs: number
    diskMs: number
    readBytes: number
    writeBytes: number
  }
}

export type RunOutcome = 'measured' | 'aborted' | 'failed'

export interface Retention {
  retentionMs: number
  retentionSamples: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const json = (v: unknown): Uint8Array => encoder.encode(JSON.stringify(v))

const sampleKey = (resource: ResourceName, atMs: number): string =>
  `${SAMPLE_PREFIX}${resource}/${String(Math.round(atMs)).padStart(TIME_DIGITS, '0')}`

/** Key range of one resource's samples. */
const range = (resource: ResourceName) => ({
  gte: `${SAMPLE_PREFIX}${resource}/`,
  lt: `${SAMPLE_PREFIX}${resource}0`,
})

const RESOURCES = Object.keys(RESOURCE_NAMES) as ResourceName[]

function decodeSample(resource: ResourceName, key: string, bytes: Uint8Array): StoredSample | null {
  const atMs = Number(key.slice(key.lastIndexOf('/') + 1))
  try {
    const r = JSON.parse(decoder.decode(bytes)) as { v?: unknown; b?: unknown; l?: unknown }
    if (
      typeof r.v !== 'number' ||
      !Number.isFinite(r.v) ||
      typeof r.b !== 'string' ||
      typeof r.l !== 'string'
    )
      return null
    return Number.isFinite(atMs) ? { resource, atMs, value: r.v, bench: r.b, location: r.l } : null
  } catch {
    return null
  }
}

export class SampleStore {
  constructor(private readonly db: Db) {}

  async put(samples: readonly StoredSample[]): Promise<void> {
    if (samples.length === 0) return
    await this.db.batch(
      samples.map((s) => ({
        type: 'put' as const,
        key: sampleKey(s.resource, s.atMs),
        value: json({ v: s.value, b: s.bench, l: s.location }),
      })),
    )
  }

  /**
   * Every kept sample measured at `location`, oldest first per resource.
   * Samples of another location (the VM moved: they describe a host it left)
   * and undecodable ones are deleted.
   */
  async load(location: string): Promise<StoredSample[]> {
    const out: StoredSample[] = []
    const drop: string[] = []
    for (const resource of RESOURCES) {
      for await (const [key, value] of this.db.iterator(range(resource))) {
        const s = decodeSample(resource, key, value)
        if (s === null || s.location !== location) drop.push(key)
        else out.push(s)
      }
    }
    if (drop.length > 0) await this.db.batch(drop.map((key) => ({ type: 'del' as const, key })))
    return out
  }

  /** Deletes what the retention rule no longer keeps; returns how many. */
  async prune(nowMs: number, r: Retention): Promise<number> {
    const drop: string[] = []
    for (const resource of RESOURCES) {
      const keys: string[] = []
      for await (const key of this.db.keys(range(resource))) keys.push(key)
      const oldest = sampleKey(resource, Math.max(0, nowMs - r.retentionMs))
      const excess = Math.max(0, keys.length - r.retentionSamples)
      keys.forEach((key, i) => {
        if (i < excess || key < oldest) drop.push(key)
      })
    }
    if (drop.length > 0) await this.db.batch(drop.map((key) => ({ type: 'del' as const, key })))
    return drop.length
  }

  async count(resource: ResourceName): Promise<number> {
    let n = 0
    for await (const _ of this.db.keys(range(resource))) n++
    return n
  }

  async loadRun(): Promise<RunRecord | null> {
    const bytes = await this.db.get(RUN_KEY)
    if (bytes === undefined) return null
    try {
      const r = JSON.parse(decoder.decode(bytes)) as RunRecord
      return Number.isFinite(r.notBeforeMs) && typeof r.totals?.runs === 'number' ? r : null
    } catch {
      return null
    }
  }

  async saveRun(r: RunRecord): Promise<void> {
    await this.db.put(RUN_KEY, json(r))
  }
}
