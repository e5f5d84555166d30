/**
 * Needs: weights over the profile's resources, from the config, learned from
 * what the workload waits on, or both (config wins per resource).
 *
 * The model. The utility (src/node/market/utility.ts) reads a weight as the
 * elasticity of the workload's value to the resource: w x ln(new/old) is
 * the fraction by which the value changes. By Amdahl's law, a workload that
 * spends a share s of its time bound by a resource speeds up by about s x ε
 * when that resource gets ε faster: the weight is the time share. The
 * learner estimates each share from the smoothed signals (ewma.ts):
 *   cpu      s = max(min(1, busy cores), cpu pressure): the time some task
 *            computed or waited for a CPU (/proc/stat, PSI cpu some);
 *   io       s = io pressure (PSI io some; without PSI, the disk's busy
 *            share from diskstats io_ticks), split between diskRead,
 *            diskWrite and diskIops by what the I/O time went on: read
 *            bytes / read MB/s, written bytes / write MB/s, and operations
 *            / IOPS, the MB/s and IOPS being this location's measured
 *            medians (or a gp3-like baseline before they are measured);
 *   netBw    s = busier direction's bits/s over the link rate (the
 *            interface's speed, else the measured netBw median; unknown
 *            without either);
 *   netRtt   s = request/response exchanges/s x the round trip, where
 *            exchanges are the smaller direction's packets less the ACKs a
 *            bulk flow of the same bytes would send (one per two full
 *            segments), and the round trip is the measured netRtt median
 *            (else 500 µs); at most 1 - s_cpu (time waiting for a reply is
 *            time not computing). Concurrent exchanges overlap, so for a
 *            busy server this is an upper bound: give netRtt in the config
 *            when it matters;
 *   memory   s = memory pressure (PSI memory some). It gets no weight:
 *            memory size is the instance class's, equal on both sides of a
 *            swap; it still counts in the normalisation below, as time no
 *            swap changes;
 *   memoryBw no counter tells memory-bandwidth stalls apart from computing
 *            (that needs hardware performance counters): config only.
 * Shares overlap (a task computes while another waits for I/O), so they are
 * divided by max(1, their sum): weights then sum to at most 1, and an idle
 * VM (all shares small) keeps small weights, as it should: a better location
 * gains it little. Weights are floored to WEIGHT_STEP.
 * Modes: 'config' uses the config's weights only; 'learned' the learned ones
 * only; 'both' the config's where given and the learned ones for the other
 * resources, scaled down if needed to fit in 1 - (sum of the config's).
 * Learned weights are used only after minObservedMs of readings.
 */
import { type Needs, type Profile, RESOURCE_NAMES, type ResourceName } from '../../protocols/advert.js'
import {
  FALLBACK_DISK_BYTES_PER_S,
  FALLBACK_DISK_IOPS,
  FALLBACK_RTT_US,
  SEGMENTS_PER_ACK,
  TCP_MSS_BYTES,
  WEIGHT_STEP,
} from './constants.js'
import type { Smoothed } from './ewma.js'

export const NEEDS_MODES = ['config', 'learned', 'both'] as const
export type NeedsMode = (typeof NEEDS_MODES)[number]

export type NeedSource = 'config' | 'learned' | 'default'

export interface NeedEntry {
  resource: ResourceName
  weight: number
  source: NeedSource
  /** A learned weight's signal and smoothed value, or why a weight is the default 0. */
  from: string
}

/** Time shares before normalisation (learned side). */
export interface LearnedShares {
  cpu: number | null
  io: number | null
  memory: number | null
  netBw: number | null
  netRtt: number | null
}

export interface NeedsReport {
  mode: NeedsMode
  /** What the advert carries: the positive weights. */
  weights: Needs
  entries: NeedEntry[]
  sum: number
  learning: {
    observedMs: number
    halfLifeMs: number
    minObservedMs: number
    ready: boolean
    updatedAtMs: number | null
  }
  shares: LearnedShares | null
}

export interface DeriveInput {
  smoothed: Smoothed | null
  /** The advertised profile: its disk and network medians calibrate the split. */
  profile: Profile
  config: Needs
  mode: NeedsMode
  minObservedMs: number
  halfLifeMs: number
}

const RESOURCES = Object.keys(RESOURCE_NAMES) as ResourceName[]
const floorStep = (w: number): number => Math.floor(w / WEIGHT_STEP + 1e-9) * WEIGHT_STEP
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`
const num = (x: number, digits = 1): string => x.toFixed(digits)

interface Learned {
  weight: number
  from: string
}

/** The learned time shares and per-resource weights, before any config; a resource without a signal has none. */
export function learnedWeights(
  values: Smoothed['values'],
  profile: Profile,
): { shares: LearnedShares; weights: Partial<Record<ResourceName, Learned>> } {
  const v = values
  const cpuParts = [v.cpuBusyCores === undefined ? null : Math.min(1, v.cpuBusyCores), v.cpuSome ?? null]
  const known = cpuParts.filter((x): x is number => x !== null)
  const cpu = known.length === 0 ? null : Math.max(...known)
  const io = v.ioSome ?? v.diskBusy ?? null
  const memory = v.memorySome ?? null
  const linkMbit = v.linkMbit ?? profile.netBw?.median ?? null
  const rx = v.netRxBytesPerS
  const tx = v.netTxBytesPerS
  const netBw =
    linkMbit === null || !(linkMbit > 0) || rx === undefined || tx === undefined
      ? null
      : Math.min(1, (Math.max(rx, tx) * 8) / (linkMbit * 1e6))
  const rttUs = profile.netRtt?.median ?? FALLBACK_RTT_US
  let exchanges: number | null = null
  let netRtt: number | null = null
  if (
    rx !== undefined &&
    tx !== undefined &&
    v.netRxPacketsPerS !== undefined &&
    v.netTxPacketsPerS !== undefined
  ) {
    exchanges = Math.max(
      0,
      Math.min(v.netRxPacketsPerS, v.netTxPacketsPerS) - (rx + tx) / (TCP_MSS_BYTES * SEGMENTS_PER_ACK),
    )
    netRtt = Math.max(0, Math.min(1, (exchanges * rttUs) / 1e6, 1 - (cpu ?? 0)))
  }
  const shares: LearnedShares = { cpu, io, memory, netBw, netRtt }
  const total = Math.max(1, (cpu ?? 0) + (io ?? 0) + (memory ?? 0) + (netBw ?? 0) + (netRtt ?? 0))
  const weights: Partial<Record<ResourceName, Learned>> = {}
  if (cpu !== null)
    weights.cpu = {
      weight: cpu / total,
      from: `cpu busy ${num(v.cpuBusyCores ?? 0, 2)} cores, cpu pressure ${pct(v.cpuSome ?? 0)}: bound ${pct(cpu)} of the time`,
    }
  if (io !== null) {
    const source = v.ioSome !== undefined ? `io pressure ${pct(io)}` : `disk busy ${pct(io)} (no PSI)`
    const bwR =
      (profile.diskRead?.median ?? 0) > 0 ? profile.diskRead!.median * 1e6 : FALLBACK_DISK_BYTES_PER_S
    const bwW =
      (profile.diskWrite?.median ?? 0) > 0 ? profile.diskWrite!.median * 1e6 : FALLBACK_DISK_BYTES_PER_S
    const iops = (profile.diskIops?.median ?? 0) > 0 ? profile.diskIops!.median : FALLBACK_DISK_IOPS
    const rb = v.diskReadBytesPerS ?? 0
    const wb = v.diskWriteBytesPerS ?? 0
    const ops = (v.diskReadOpsPerS ?? 0) + (v.diskWriteOpsPerS ?? 0)
    const parts = { diskRead: rb / bwR, diskWrite: wb / bwW, diskIops: ops / iops }
    const sum = parts.diskRead + parts.diskWrite + parts.diskIops
    if (sum > 0) {
      const what = {
        diskRead: `read bytes (${num(rb / 1e6, 2)} MB/s at ${num(bwR / 1e6)} MB/s)`,
        diskWrite: `written bytes (${num(wb / 1e6, 2)} MB/s at ${num(bwW / 1e6)} MB/s)`,
        diskIops: `operations (${num(ops)} IOPS at ${num(iops, 0)})`,
      }
      for (const k of ['diskRead', 'diskWrite', 'diskIops'] as const) {
        weights[k] = {
          weight: (io * parts[k]) / sum / total,
          from: `${source} x ${pct(parts[k] / sum)} of I/O time on ${what[k]}`,
        }
      }
    }
  }
  if (netBw !== null)
    weights.netBw = {
      weight: netBw / total,
      from: `link use ${pct(netBw)} (${num((Math.max(rx ?? 0, tx ?? 0) * 8) / 1e6, 2)} of ${num(linkMbit ?? 0, 0)} Mbit/s)`,
    }
  if (netRtt !== null)
    weights.netRtt = {
      weight: netRtt / total,
      from: `${num(exchanges ?? 0)} exchanges/s x ${num(rttUs, 0)} µs round trip: ${pct(netRtt)} of the time`,
    }
  return { shares, weights }
}

const UNLEARNABLE: Partial<Record<ResourceName, string>> = {
  memoryBw:
    'not learnable (no counter separates memory-bandwidth stalls from computing); set it in the config',
}

export function deriveNeeds(input: DeriveInput): NeedsReport {
  const { smoothed, mode } = input
  const observedMs = smoothed?.observedMs ?? 0
  const ready = smoothed !== null && observedMs >= input.minObservedMs
  const learned = smoothed === null ? null : learnedWeights(smoothed.values, input.profile)
  const useConfig = mode !== 'learned'
  const useLearned = mode !== 'config'
  const entries = new Map<ResourceName, NeedEntry>()
  let configSum = 0
  if (useConfig) {
    for (const r of RESOURCES) {
      const w = input.config[r]
      if (w === undefined) continue
      entries.set(r, { resource: r, weight: w, source: 'config', from: 'config' })
      configSum += w
    }
  }
  const whyDefault = (r: ResourceName): string => {
    if (!useLearned) return "not in the config (needsMode 'config')"
    if (UNLEARNABLE[r] !== undefined) return UNLEARNABLE[r]!
    if (!ready)
      return `learning: ${Math.floor(observedMs / 60_000)} of ${Math.ceil(input.minObservedMs / 60_000)} min observed`
    if (r === 'netBw') return 'no link rate known (interface speed or measured netBw)'
    return 'no signal on this system'
  }
  if (useLearned && ready && learned !== null) {
    const rest = RESOURCES.filter((r) => !entries.has(r) && learned.weights[r] !== undefined)
    const restSum = rest.reduce((a, r) => a + learned.weights[r]!.weight, 0)
    const room = Math.max(0, 1 - configSum)
    const scale = restSum > room ? room / restSum : 1
    for (const r of rest) {
      const l = learned.weights[r]!
      const scaled = scale < 1 ? ` (scaled x${scale.toFixed(3)} to fit beside the config's weights)` : ''
      entries.set(r, {
        resource: r,
        weight: floorStep(l.weight * scale),
        source: 'learned',
        from: l.from + scaled,
      })
    }
  }
  for (const r of RESOURCES)
    if (!entries.has(r)) entries.set(r, { resource: r, weight: 0, source: 'default', from: whyDefault(r) })
  const list = RESOURCES.map((r) => entries.get(r)!)
  const weights: Needs = {}
  for (const e of list) if (e.weight > 0) weights[e.resource] = e.weight
  return {
    mode,
    weights,
    entries: list,
    sum: list.reduce((a, e) => a + e.weight, 0),
    learning: {
      observedMs,
      halfLifeMs: input.halfLifeMs,
      minObservedMs: input.minObservedMs,
      ready,
      updatedAtMs: smoothed?.updatedAtMs ?? null,
    },
    shares: learned?.shares ?? null,
  }
}
