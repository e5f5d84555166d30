// Fixtures of the profiler's unit tests: a clock the test moves, benchmarks as the suite hands them out.
import { createHash } from 'node:crypto'
import type { Test } from 'tap'
import type { Clock } from '../../../src/node/profiler/index.js'
import { type DataDir, openDataDir } from '../../../src/runtime/data-dir.js'
import { BenchmarkResource, type VerifiedBenchmark } from '../../../src/runtime/sandbox/index.js'

/** Time moves only when the test says; timers fire in order as it passes them. */
export class ManualClock implements Clock {
  nowMs: number
  private timers: { atMs: number; fn: () => void; id: number }[] = []
  private seq = 0

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs
  }

  now(): number {
    return this.nowMs
  }

  setTimer(fn: () => void, ms: number): () => void {
    const id = this.seq++
    this.timers.push({ atMs: this.nowMs + Math.max(0, ms), fn, id })
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id)
    }
  }

  /** When the next timer fires, or null. */
  get nextAtMs(): number | null {
    return this.timers.length === 0 ? null : Math.min(...this.timers.map((x) => x.atMs))
  }

  advance(ms: number): void {
    this.nowMs += ms
  }

  /** Moves to the next timer and fires it; false when none is set. */
  fireNext(): boolean {
    const at = this.nextAtMs
    if (at === null) return false
    const due = this.timers.filter((x) => x.atMs === at)
    this.timers = this.timers.filter((x) => x.atMs !== at)
    this.nowMs = Math.max(this.nowMs, at)
    for (const x of due) x.fn()
    return true
  }
}

const DISK_FUNCTIONS = ['now_us', 'disk_write', 'disk_read', 'disk_sync']

/** A benchmark as the probe service hands it over (its module is never run: the tests inject the runner). */
export function fakeBenchmark(
  name: string,
  resource: BenchmarkResource,
  opts: { disk?: boolean; net?: boolean; version?: number } = {},
): VerifiedBenchmark {
  const module = new TextEncoder().encode(`${name}@${opts.version ?? 1}`)
  return {
    manifest: {
      name,
      version: opts.version ?? 1,
      resource,
      unit: 'MB/s',
      description: name,
      parameters: [],
      timeLimitMs: 10_000,
      memoryLimitPages: 1,
      hostFunctions: opts.net ? ['net_rtt_us'] : opts.disk ? DISK_FUNCTIONS : ['now_us'],
      entry: 'run',
      higherIsBetter: true,
    },
    module,
    moduleSha256: new Uint8Array(createHash('sha256').update(module).digest()),
    signed: { manifest: new Uint8Array(0), moduleSha256: new Uint8Array(32), signature: new Uint8Array(64) },
  }
}

export const CPU_BENCH = fakeBenchmark('vboom/cpu', BenchmarkResource.CPU)
export const WRITE_BENCH = fakeBenchmark('vboom/disk-write', BenchmarkResource.DISK_WRITE, { disk: true })

export async function tempDataDir(t: Test, name = 'data'): Promise<DataDir> {
  const dir = await openDataDir(`${t.testdir()}/${name}`)
  t.teardown(() => dir.close())
  return dir
}
