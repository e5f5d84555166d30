/**
 * Measures what a profiling run costs the VM: CPU time of the agent's process
 * (process.cpuUsage counts every thread, so the sandbox's worker threads are
 * in it; so is whatever else the agent did meanwhile, which only makes the
 * budget stricter) and the bytes it read from and wrote to storage
 * (/proc/self/io read_bytes and write_bytes: real device I/O, page cache hits
 * excluded; absent off Linux, then 0) besides what the benchmarks' disk calls
 * report they moved. Wall and disk time are measured by the profiler around
 * the run and its disk benchmarks.
 */
import { readFile } from 'node:fs/promises'
import type { RunCost } from './schedule.js'

export interface StorageIo {
  readBytes: number
  writeBytes: number
}

/** read_bytes and write_bytes of a /proc/<pid>/io text; null if either is missing. */
export function parseProcIo(text: string): StorageIo | null {
  const field = (name: string): number | null => {
    const m = text.match(new RegExp(`^${name}:\\s*(\\d+)\\s*$`, 'm'))
    return m === null ? null : Number(m[1])
  }
  const readBytes = field('read_bytes')
  const writeBytes = field('write_bytes')
  return readBytes === null || writeBytes === null ? null : { readBytes, writeBytes }
}

async function selfIo(): Promise<StorageIo | null> {
  try {
    return parseProcIo(await readFile('/proc/self/io', 'utf8'))
  } catch {
    return null
  }
}

/** A run being measured: `finish` gives its cost. */
export interface RunMeter {
  /** `benchmarkBytes`: what the benchmarks' disk calls moved, as they report it. */
  finish(wallMs: number, diskMs: number, benchmarkBytes: number): Promise<RunCost>
}

/** Starts measuring the process now. */
export async function startRunMeter(): Promise<RunMeter> {
  const io0 = await selfIo()
  const cpu0 = process.cpuUsage()
  return {
    finish: async (wallMs, diskMs, benchmarkBytes) => {
      const cpu = process.cpuUsage(cpu0)
      const io1 = await selfIo()
      const delta = (a: number | undefined, b: number | undefined): number =>
        a === undefined || b === undefined ? 0 : Math.max(0, b - a)
      return {
        wallMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        diskMs,
        readBytes: delta(io0?.readBytes, io1?.readBytes),
        writeBytes: delta(io0?.writeBytes, io1?.writeBytes),
        benchmarkBytes,
      }
    },
  }
}
