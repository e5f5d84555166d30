/**
 * The needs learner's state in the agent's database, so a restart keeps
 * what hours of readings taught it:
 *   needs/smoothed -> JSON Smoothed (the EWMAs, time observed, last update)
 *   needs/report   -> JSON NeedsReport (the weights last derived and where
 *                     each came from; `vboom needs` shows it when the agent
 *                     is stopped)
 */
import type { Db } from '../../runtime/data-dir.js'
import type { NeedsReport } from './derive.js'
import type { Smoothed } from './ewma.js'

const SMOOTHED_KEY = 'needs/smoothed'
const REPORT_KEY = 'needs/report'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

async function getJson<T>(db: Db, key: string, valid: (v: T) => boolean): Promise<T | null> {
  const bytes = await db.get(key)
  if (bytes === undefined) return null
  try {
    const v = JSON.parse(decoder.decode(bytes)) as T
    return valid(v) ? v : null
  } catch {
    return null
  }
}

export class NeedsStore {
  constructor(private readonly db: Db) {}

  loadSmoothed(): Promise<Smoothed | null> {
    return getJson<Smoothed>(
      this.db,
      SMOOTHED_KEY,
      (v) =>
        typeof v?.values === 'object' &&
        v.values !== null &&
        Number.isFinite(v.observedMs) &&
        Number.isFinite(v.updatedAtMs) &&
        Object.values(v.values).every((x) => typeof x === 'number' && Number.isFinite(x)),
    )
  }

  async save(smoothed: Smoothed, report: NeedsReport): Promise<void> {
    await this.db.batch([
      { type: 'put', key: SMOOTHED_KEY, value: encoder.encode(JSON.stringify(smoothed)) },
      { type: 'put', key: REPORT_KEY, value: encoder.encode(JSON.stringify(report)) },
    ])
  }

  async saveReport(report: NeedsReport): Promise<void> {
    await this.db.put(REPORT_KEY, encoder.encode(JSON.stringify(report)))
  }

  loadReport(): Promise<NeedsReport | null> {
    return getJson<NeedsReport>(
      this.db,
      REPORT_KEY,
      (v) => Array.isArray(v?.entries) && typeof v.mode === 'string',
    )
  }
}
