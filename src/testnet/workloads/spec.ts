/**
 * /workload/spec.json: which workload the VM runs and its parameters. Plain
 * data on the VM's disk, validated when the workload starts; defaults here,
 * each with its reason in constants.ts.
 *
 * Addresses are where peers dial (a host's advertised address, through its
 * network limits); a service is told by its index into the host's service
 * ports (index 0 is the agent's libp2p, 1 the workload's), since the port
 * itself belongs to the host and changes when the VM moves.
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { IO_ALIGN } from '../hosts/constants.js'
import { DEFAULT_CPU_UNIT_BYTES, DEFAULT_LINGER_S, DEFAULT_TASK_TIMEOUT_S } from './constants.js'
import { WorkloadError } from './errors.js'
import type { WorkloadPaths } from './paths.js'

const address = z.strictObject({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535),
})
export type Address = z.output<typeof address>

/** Optional for every kind: the VM's name in reports (default: /vboom/vm.json's name). */
const name = z.string().min(1).max(64).optional()
/** Which of the host's service ports a server listens on (index; 1 is the workload's). */
const servicePort = z.number().int().min(0).max(63).default(1)

const DfsioMasterSpec = z.strictObject({
  kind: z.literal('dfsio-master'),
  name,
  /** Tasks in the job (the paper: 22). */
  tasks: z.number().int().min(1).max(100_000),
  /** Bytes each task writes (the paper: 800 MB); whole sectors, as the disk takes them. */
  taskBytes: z
    .number()
    .int()
    .positive()
    .refine((n) => n % IO_ALIGN === 0, `taskBytes must be a multiple of ${IO_ALIGN} (whole sectors)`),
  /** An attempt with no progress for this long is lost and handed out again, s. */
  taskTimeoutS: z.number().positive().max(86_400).default(DEFAULT_TASK_TIMEOUT_S),
  /** How long the master stays up after the job to tell late workers it is over, s. */
  lingerS: z.number().min(0).max(86_400).default(DEFAULT_LINGER_S),
  servicePort,
  /** Listen here instead of on the host's service port (a master outside any host). */
  listen: address.optional(),
})

const DfsioWorkerSpec = z.strictObject({
  kind: z.literal('dfsio-worker'),
  name,
  /** The master's address as this host dials it. */
  master: address,
})

const CpuSpec = z.strictObject({
  kind: z.literal('cpu'),
  name,
  /** Bytes hashed (SHA-256) per unit of work. */
  unitBytes: z
    .number()
    .int()
    .min(64)
    .max(2 ** 28)
    .default(DEFAULT_CPU_UNIT_BYTES),
  /** Stop after this many units in all (across restarts); absent: run until stopped. */
  units: z.number().int().positive().optional(),
})

const NetSinkSpec = z.strictObject({
  kind: z.literal('net-sink'),
  name,
  servicePort,
  listen: address.optional(),
})

const NetStreamSpec = z.strictObject({
  kind: z.literal('net-stream'),
  name,
  /** The sink's address as this host dials it. */
  peer: address,
  /** Stop after sending this many bytes in all (across restarts); absent: run until stopped. */
  bytes: z.number().int().positive().optional(),
})

const WorkloadSpecSchema = z.discriminatedUnion('kind', [
  DfsioMasterSpec,
  DfsioWorkerSpec,
  CpuSpec,
  NetSinkSpec,
  NetStreamSpec,
])

export type WorkloadSpec = z.output<typeof WorkloadSpecSchema>
export type WorkloadSpecInput = z.input<typeof WorkloadSpecSchema>
export type WorkloadKind = WorkloadSpec['kind']
export type DfsioMasterSpec = z.output<typeof DfsioMasterSpec>
export type DfsioWorkerSpec = z.output<typeof DfsioWorkerSpec>
export type CpuSpec = z.output<typeof CpuSpec>
export type NetSinkSpec = z.output<typeof NetSinkSpec>
export type NetStreamSpec = z.output<typeof NetStreamSpec>

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  'dfsio-master',
  'dfsio-worker',
  'cpu',
  'net-sink',
  'net-stream',
]

/** Checks a spec (as parsed JSON); throws SPEC_INVALID naming the first broken rules. */
export function parseSpec(value: unknown, where = 'workload spec'): WorkloadSpec {
  const r = WorkloadSpecSchema.safeParse(value)
  if (!r.success) {
    const rules = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
      .join('; ')
    throw new WorkloadError('SPEC_INVALID', `${where} is invalid: ${rules}. Fix the file and restart the VM`)
  }
  return r.data
}

/** Reads and checks /workload/spec.json of the VM at `paths.root`. */
export async function readSpec(paths: WorkloadPaths): Promise<WorkloadSpec> {
  let text: string
  try {
    text = await readFile(paths.spec, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new WorkloadError(
        'SPEC_MISSING',
        `${paths.spec} does not exist: this VM's disk defines no workload. Write a spec there (kind and parameters)`,
      )
    throw err
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new WorkloadError('SPEC_INVALID', `${paths.spec} is not JSON: ${(err as Error).message}`, {
      cause: err,
    })
  }
  return parseSpec(value, paths.spec)
}

/** The VM's name: the spec's, else /vboom/vm.json's; throws NO_VM_NAME when neither gives one. */
export async function vmName(paths: WorkloadPaths, spec: WorkloadSpec): Promise<string> {
  if (spec.name !== undefined) return spec.name
  try {
    const vm = JSON.parse(await readFile(paths.vmJson, 'utf8')) as { name?: unknown }
    if (typeof vm.name === 'string' && vm.name.length > 0) return vm.name
  } catch {
    // Absent or unreadable: the error below says what to do.
  }
  throw new WorkloadError(
    'NO_VM_NAME',
    `neither ${paths.spec} ("name") nor ${paths.vmJson} ("name") names this VM: give the spec a name`,
  )
}
