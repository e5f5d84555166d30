/**
 * Facts about processes read from /proc, to tell a process apart from a
 * later one that reuses its pid (start time, in clock ticks since boot) and to
 * find every process of a run by the marker in its environment.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Environment variable every process started in a run carries (value: the run id); inherited by its children. */
export const RUN_MARKER_ENV = 'VBOOM_TESTNET_RUN'

interface Stat {
  state: string
  pgrp: number
  /** Start time, clock ticks after boot (field 22). */
  start: string
  /** utime + stime, clock ticks. */
  cpuTicks: number
}

/** /proc/<pid>/stat, or null when the process is gone. */
export function readStat(pid: number): Stat | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // rest[0] is field 3 (state); field n is rest[n - 3].
  return {
    state: rest[0] ?? '?',
    pgrp: Number(rest[2]),
    start: rest[19] ?? '',
    cpuTicks: Number(rest[11]) + Number(rest[12]),
  }
}

/** Start time of a live process (not a zombie), or null. */
export function startTimeOf(pid: number): string | null {
  const s = readStat(pid)
  return s === null || s.state === 'Z' || s.state === 'X' ? null : s.start
}

/** Whether `pid` is still the process that had start time `start` and is not dead. */
export function isSameProcess(pid: number, start: string): boolean {
  return startTimeOf(pid) === start
}

/** Live pids whose environment carries RUN_MARKER_ENV=runId (ours only: others' environ is unreadable or lacks it). */
export function pidsWithMarker(runId: string): number[] {
  const needle = `\0${RUN_MARKER_ENV}=${runId}\0`
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    if (pid === process.pid) continue
    let env: string
    try {
      env = `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`
    } catch {
      continue
    }
    if (env.includes(needle) && startTimeOf(pid) !== null) out.push(pid)
  }
  return out
}

/** Blocks the thread for `ms` (teardown runs synchronously, also from exit and signal handlers). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Clock ticks per second for /proc CPU times (USER_HZ: 100 on Linux builds for x86 and arm). */
export const CLOCK_TICKS = 100
