/**
 * What a run created, on disk, written before each thing is created (so a
 * crash between the record and the creation leaves only a record of
 * something absent, which removal skips). The file names the creating
 * process (pid and start time) so a later run can tell a dead run from a live
 * one, and every recorded name carries the run's prefix `vboomtn-<runid>`,
 * which is what removal checks before touching anything.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { CGROUP_BLKIO, CGROUP_CPU, NAME_PREFIX, ROOT_STATE_DIR, RUN_ID_HEX } from './constants.js'
import { startTimeOf } from './proc.js'

export type RunItem =
  | { kind: 'netns'; name: string }
  | { kind: 'cgroup'; path: string }
  | { kind: 'loop'; image: string }
  | { kind: 'mount'; target: string }
  | { kind: 'process'; pid: number; start: string }
  | { kind: 'dir'; path: string }

export interface RunRecord {
  version: 1
  runId: string
  /** The process that created the run. */
  pid: number
  pidStart: string
  mode: 'root' | 'emulated'
  items: RunItem[]
}

/** Directory of run records: /run/vboom-testnet as root, a per-user dir in the temp dir otherwise. */
export function defaultStateDir(): string {
  return process.getuid?.() === 0
    ? ROOT_STATE_DIR
    : join(tmpdir(), `vboom-testnet-${process.getuid?.() ?? 'user'}`)
}

export const newRunId = (): string =>
  randomBytes(Math.ceil(RUN_ID_HEX / 2))
    .toString('hex')
    .slice(0, RUN_ID_HEX)

/** `vboomtn-<runid>`: the stem of every name a run gives. */
export const runStem = (runId: string): string => `${NAME_PREFIX}-${runId}`

const RECORD_FILE = /^vboomtn-([0-9a-f]+)\.json$/

/** Whether an item's name proves it belongs to run `runId` (removal touches nothing else). */
export function itemIsOfRun(item: RunItem, runId: string): boolean {
  const stem = runStem(runId)
  switch (item.kind) {
    case 'netns':
      return item.name.startsWith(`${stem}-`)
    case 'cgroup':
      return (
        [CGROUP_CPU, CGROUP_BLKIO].some((root) => item.path.startsWith(`${root}/${stem}-`)) &&
        !item.path.slice(1).includes('..')
      )
    case 'loop':
      return item.image.includes(`/${stem}/`) && !item.image.includes('..')
    case 'mount':
      return item.target.includes(`/${stem}/`) && !item.target.includes('..')
    case 'dir':
      return basename(item.path) === stem && !item.path.includes('..')
    case 'process':
      return Number.isInteger(item.pid) && item.pid > 1
  }
}

export class RunState {
  readonly record: RunRecord

  private constructor(
    readonly file: string,
    record: RunRecord,
  ) {
    this.record = record
  }

  static create(stateDir: string, mode: 'root' | 'emulated', runId = newRunId()): RunState {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 })
    const record: RunRecord = {
      version: 1,
      runId,
      pid: process.pid,
      pidStart: startTimeOf(process.pid) ?? '',
      mode,
      items: [],
    }
    const state = new RunState(join(stateDir, `${runStem(runId)}.json`), record)
    state.save()
    return state
  }

  get runId(): string {
    return this.record.runId
  }

  /** Records an item before it is created. */
  add(item: RunItem): void {
    this.record.items.push(item)
    this.save()
  }

  private save(): void {
    const tmp = `${this.file}.tmp`
    writeFileSync(tmp, JSON.stringify(this.record, null, 1))
    renameSync(tmp, this.file)
  }

  remove(): void {
    rmSync(this.file, { force: true })
  }
}

/** Run records found in `stateDir`, with their file; unreadable or foreign files are skipped. */
export function readRecords(stateDir: string): { file: string; record: RunRecord }[] {
  let names: string[]
  try {
    names = readdirSync(stateDir)
  } catch {
    return []
  }
  const out: { file: string; record: RunRecord }[] = []
  for (const name of names) {
    const m = RECORD_FILE.exec(name)
    if (m === null) continue
    const file = join(stateDir, name)
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord
      if (record.version === 1 && record.runId === m[1] && Array.isArray(record.items))
        out.push({ file, record })
    } catch {
      // a record being written (tmp renamed later) or damaged: not provably a run's; left alone
    }
  }
  return out
}
