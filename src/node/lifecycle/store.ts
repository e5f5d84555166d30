/**
 * The lifecycle's records in the agent's database (the VM's disk, so they move
 * with it): whether the VM is leaving for a swap, and its history of moves.
 *
 *   lifecycle/leaving                 the swap the VM left for (one at a time)
 *   lifecycle/history/<ms>-<swapId>   one record per boot that found the VM moved or back from a swap
 *
 * The VM's last location is a file in its data dir (`last-location`), read
 * before the database opens anything else.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import type { Db } from '../../runtime/data-dir.js'
import type { SwapRole } from './boot-params.js'
import { LifecycleError, LifecycleErrorCode } from './errors.js'

const LEAVING_KEY = 'lifecycle/leaving'
const HISTORY_PREFIX = 'lifecycle/history/'
const LAST_LOCATION_FILE = 'last-location'
/** A location is at most MAX_LOCATION_LENGTH (128) characters; the file is that and a newline. */
const MAX_LAST_LOCATION_BYTES = 1024
/** History records returned by `history()` by default: the recent ones. */
const DEFAULT_HISTORY_LIMIT = 20

export interface LeavingRecord {
  swapId: string
  role: SwapRole
  /** The location the VM left. */
  from: string
  leftAtMs: number
}

export type HistoryRecord =
  | {
      kind: 'swap'
      swapId: string
      role: SwapRole
      /** 'completed': the VM now runs at the partner's location; 'aborted': back where it was. */
      outcome: 'completed' | 'aborted'
      from: string
      to: string
      leftAtMs: number
      atMs: number
    }
  /** The VM found itself elsewhere with no swap on record (its disk was moved otherwise). */
  | { kind: 'moved'; from: string; to: string; atMs: number }

const encode = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

function decode<T>(bytes: Uint8Array, key: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T
  } catch (err) {
    throw new LifecycleError(
      LifecycleErrorCode.RECORD_CORRUPT,
      `lifecycle record ${key} in the agent's database does not decode; delete it with the agent stopped`,
      { cause: err },
    )
  }
}

export class LifecycleStore {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {}

  async leaving(): Promise<LeavingRecord | null> {
    const v = await this.db.get(LEAVING_KEY)
    return v === undefined ? null : decode<LeavingRecord>(v, LEAVING_KEY)
  }

  async markLeaving(r: LeavingRecord): Promise<void> {
    await this.db.put(LEAVING_KEY, encode(r), { sync: true } as never)
  }

  /** Ends the leave on record (if any) and keeps `record`, in one write. */
  async settle(record: HistoryRecord): Promise<void> {
    const id = record.kind === 'swap' ? record.swapId : 'moved'
    const key = `${HISTORY_PREFIX}${String(record.atMs).padStart(15, '0')}-${id}`
    await this.db.batch(
      [
        { type: 'del', key: LEAVING_KEY },
        { type: 'put', key, value: encode(record) },
      ],
      { sync: true } as never,
    )
  }

  /** The most recent history records, oldest first. */
  async history(limit = DEFAULT_HISTORY_LIMIT): Promise<HistoryRecord[]> {
    const out: HistoryRecord[] = []
    for await (const [key, value] of this.db.iterator({
      gt: HISTORY_PREFIX,
      lt: `${HISTORY_PREFIX}\xff`,
      reverse: true,
      limit,
    }))
      out.push(decode<HistoryRecord>(value, key))
    return out.reverse()
  }

  /** The history record of swap `swapId` (completed or aborted), or null when the VM never settled it. */
  async settled(swapId: string): Promise<HistoryRecord | null> {
    // Keys end in the swap id; the whole history is scanned (one record per move: a few per day at most).
    for await (const [key, value] of this.db.iterator({ gt: HISTORY_PREFIX, lt: `${HISTORY_PREFIX}\xff` }))
      if (key.endsWith(`-${swapId}`)) {
        const r = decode<HistoryRecord>(value, key)
        if (r.kind === 'swap' && r.swapId === swapId) return r
      }
    return null
  }

  /** Where this VM last ran, or null before its first boot under a platform. */
  async lastLocation(): Promise<string | null> {
    try {
      const text = await readFile(join(this.dataDir, LAST_LOCATION_FILE), 'utf8')
      const loc = text.slice(0, MAX_LAST_LOCATION_BYTES).trim()
      return loc === '' ? null : loc
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  async setLastLocation(location: string): Promise<void> {
    await writeFileAtomic(join(this.dataDir, LAST_LOCATION_FILE), `${location}\n`, 0o600)
  }
}
