/**
 * ScenarioResults: everything a testnet scenario measured, as the reports
 * read it (and as `results.json` keeps it). A scenario is one or more runs
 * of the same job under different placements: without VBoom (the VMs stay
 * where they start), with VBoom (agents swap), and the oracle (each VM
 * placed on the host best for it from the start). Times inside a run are
 * seconds from the run's start; rates are in the unit they name.
 */
import { z } from 'zod'
import type { HostMode, HostProfile } from '../hosts/index.js'
import type { Metric, RateUnit } from '../workloads/index.js'
import { ReportError } from './errors.js'

export const RESULTS_SCHEMA = 'vboom.testnet.results/1'

export type Placement = 'baseline' | 'vboom' | 'oracle'

export interface ScenarioResults {
  schema: typeof RESULTS_SCHEMA
  /** Short name (`dfsio-paper`). */
  scenario: string
  /** One line for the report's heading. */
  title: string
  /** ISO 8601. */
  startedAt: string
  mode: HostMode
  modeReason: string
  hosts: { name: string; profile: HostProfile }[]
  /** The job every run ran (null for runs without one). */
  job: { kind: 'dfsio'; tasks: number; taskBytes: number; workers: string[] } | null
  runs: RunResults[]
  /** Anything a reader should know (scaled-down sizes, skipped steps). */
  notes: string[]
}

export interface RunResults {
  /** Lower-case letters, digits and dashes: used in file and element names. */
  id: string
  /** As the report shows it ("with VBoom"). */
  label: string
  placement: Placement
  /** ISO 8601. */
  startedAt: string
  /** The job's time: first task handed out to last task done, s. */
  totalSeconds: number
  tasks: TaskResult[]
  series: ThroughputSeries[]
  swaps: SwapResult[]
  ledgerChecks: LedgerCheck[]
}

export interface TaskResult {
  task: number
  /** The VM whose attempt completed it. */
  worker: string
  /** Where that VM ran when it completed it; null when unknown. */
  host: string | null
  /** First handed out, s from the run's start. */
  startS: number
  /** Recorded done, s from the run's start. */
  endS: number
  /** endS - startS: how long the job waited for it, lost attempts included. */
  seconds: number
  /** The completing worker's write time, s. */
  writeSeconds: number
  bytes: number
  /** bytes / writeSeconds, MB/s. */
  mbps: number
  /** Attempts handed out (more than 1: some were lost). */
  attempts: number
}

export interface ThroughputSeries {
  vm: string
  metric: Metric
  unit: RateUnit
  /** [s from the run's start, rate], in time order; a VM that is down reads 0. */
  points: [number, number][]
}

export interface SwapResult {
  /** The swap id (hex). */
  id: string
  vms: [string, string]
  /** The hosts the two VMs left (each moved to the other's). */
  hosts: [string, string]
  /** Agreement registered, s from the run's start. */
  startS: number
  /** Both VMs running again (or the abort), s. */
  endS: number
  /** 'agreed': registered, and neither committed nor aborted when the run ended. */
  outcome: 'committed' | 'aborted' | 'agreed'
  /** Bytes sent between the two sides; null when not measured. */
  bytesMoved: number | null
  /** When each VM was down (its system not running), s from the run's start. */
  downtime: { vm: string; startS: number; endS: number }[]
  /** The agreement the two agents registered: its price and payer (a VM, null for mutual gain), each side's stated gain. */
  agreement?: SwapAgreementResult
}

export interface SwapAgreementResult {
  /** The ledger entry that registered it. */
  seq: string
  /** Micro-credits, decimal; "0" for mutual gain. */
  priceMicros: string
  payer: string | null
  /** Side a's and side b's net gain as their agents stated it, micro-credits over the horizon, decimal. */
  statedGainMicros: [string, string]
  /** The payment the COMMIT recorded, owners by name; null when none. */
  payment: { payer: string; payee: string; amountMicros: string } | null
}

export interface LedgerCheck {
  /** What was checked ("the ledger's chain verifies", "location h-slow-1 owned by bob"). */
  name: string
  ok: boolean
  detail: string
}

const finite = z.number().finite()
const seconds = finite.nonnegative()
const profile = z.strictObject({
  diskWriteMBps: finite.optional(),
  diskReadMBps: finite.optional(),
  diskWriteIops: finite.optional(),
  diskReadIops: finite.optional(),
  cpuCores: finite.optional(),
  cpuMachineShare: finite.optional(),
  netMbit: finite.optional(),
  netDownMbit: finite.optional(),
  netDelayMs: finite.optional(),
})
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time')

const TaskSchema = z.strictObject({
  task: z.number().int().nonnegative(),
  worker: z.string().min(1),
  host: z.string().min(1).nullable(),
  startS: seconds,
  endS: seconds,
  seconds,
  writeSeconds: seconds,
  bytes: z.number().int().nonnegative(),
  mbps: finite.nonnegative(),
  attempts: z.number().int().positive(),
})

const SeriesSchema = z.strictObject({
  vm: z.string().min(1),
  metric: z.enum(['disk-write', 'cpu', 'net-send', 'net-recv']),
  unit: z.enum(['MB/s', 'units/s']),
  points: z
    .array(z.tuple([seconds, finite.nonnegative()]))
    .refine((p) => p.every((x, i) => i === 0 || x[0] >= p[i - 1]![0]), 'points in time order'),
})

const SwapSchema = z.strictObject({
  id: z.string().min(1),
  vms: z.tuple([z.string().min(1), z.string().min(1)]),
  hosts: z.tuple([z.string().min(1), z.string().min(1)]),
  startS: seconds,
  endS: seconds,
  outcome: z.enum(['committed', 'aborted', 'agreed']),
  bytesMoved: z.number().int().nonnegative().nullable(),
  downtime: z.array(
    z
      .strictObject({ vm: z.string().min(1), startS: seconds, endS: seconds })
      .refine((d) => d.endS >= d.startS, 'downtime ends after it starts'),
  ),
  agreement: z
    .strictObject({
      seq: z.string().regex(/^\d+$/),
      priceMicros: z.string().regex(/^\d+$/),
      payer: z.string().min(1).nullable(),
      statedGainMicros: z.tuple([z.string().regex(/^-?\d+$/), z.string().regex(/^-?\d+$/)]),
      payment: z
        .strictObject({
          payer: z.string().min(1),
          payee: z.string().min(1),
          amountMicros: z.string().regex(/^\d+$/),
        })
        .nullable(),
    })
    .optional(),
})

const RunSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes'),
  label: z.string().min(1).max(80),
  placement: z.enum(['baseline', 'vboom', 'oracle']),
  startedAt: iso,
  totalSeconds: seconds,
  tasks: z
    .array(TaskSchema)
    .refine((ts) => new Set(ts.map((x) => x.task)).size === ts.length, 'each task once'),
  series: z.array(SeriesSchema),
  swaps: z.array(SwapSchema),
  ledgerChecks: z.array(z.strictObject({ name: z.string().min(1), ok: z.boolean(), detail: z.string() })),
})

const ResultsSchema = z.strictObject({
  schema: z.literal(RESULTS_SCHEMA),
  scenario: z.string().min(1).max(80),
  title: z.string().min(1).max(200),
  startedAt: iso,
  mode: z.enum(['root', 'emulated']),
  modeReason: z.string(),
  hosts: z.array(z.strictObject({ name: z.string().min(1), profile })),
  job: z
    .strictObject({
      kind: z.literal('dfsio'),
      tasks: z.number().int().positive(),
      taskBytes: z.number().int().positive(),
      workers: z.array(z.string().min(1)),
    })
    .nullable(),
  runs: z
    .array(RunSchema)
    .min(1)
    .refine((rs) => new Set(rs.map((r) => r.id)).size === rs.length, 'run ids are unique'),
  notes: z.array(z.string()),
})

/** Checks results (as parsed JSON); throws RESULTS_INVALID naming the first broken rules. */
export function parseResults(value: unknown): ScenarioResults {
  const r = ResultsSchema.safeParse(value)
  if (!r.success) {
    const rules = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
      .join('; ')
    throw new ReportError('RESULTS_INVALID', `the scenario's results break the schema: ${rules}`)
  }
  return r.data as ScenarioResults
}
