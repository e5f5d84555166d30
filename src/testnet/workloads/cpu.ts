/**
 * The CPU-bound workload: fixed units of work (SHA-256 of a buffer of
 * `unitBytes`), as many as the host's CPU share allows, counted in units/s.
 * The work runs in slices of CPU_SLICE_MS so the sample timer stays on time;
 * the running count is saved on the VM's disk every CPU_STATE_SAVE_MS, so a
 * restarted VM continues it (a kill loses at most that much of the count).
 */
import { createHash, randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { z } from 'zod'
import { CPU_SLICE_MS, CPU_STATE_SAVE_MS } from './constants.js'
import type { WorkloadContext } from './context.js'
import { RateMeter } from './meter.js'
import type { CpuSpec } from './spec.js'
import { JsonStateFile } from './state-file.js'

const CpuStateSchema = z.object({ units: z.number().int().nonnegative() })

/** Runs until stopped, or until `spec.units` units are done in all (then resolves). */
export async function runCpu(ctx: WorkloadContext, spec: CpuSpec): Promise<void> {
  const stateFile = new JsonStateFile(ctx.paths.state, (v) => CpuStateSchema.parse(v))
  const saved = await stateFile.load()
  const meter = new RateMeter('cpu', ctx.reporter, saved?.units ?? 0)
  const buffer = randomBytes(spec.unitBytes)
  const limit = spec.units ?? Infinity
  let lastSave = performance.now()
  meter.start()
  try {
    while (!ctx.signal.aborted && meter.total < limit) {
      const sliceEnd = performance.now() + CPU_SLICE_MS
      let digest = buffer
      while (performance.now() < sliceEnd && meter.total < limit) {
        // Each unit hashes the buffer (its first bytes changed by the last digest, so no unit can be skipped).
        digest.copy(buffer, 0, 0, Math.min(32, digest.length))
        digest = createHash('sha256').update(buffer).digest()
        meter.add(1)
      }
      if (performance.now() - lastSave >= CPU_STATE_SAVE_MS) {
        lastSave = performance.now()
        void stateFile.save({ units: meter.total })
      }
      await yieldToLoop()
    }
  } finally {
    meter.stop()
    meter.sample()
    await stateFile.save({ units: meter.total })
  }
}
