/**
 * The testnet's workloads: programs a VM runs inside its host, defined and
 * kept on the VM's disk (/workload/) so they move with it. Kinds:
 * - dfsio-master / dfsio-worker: TestDFSIO-like, disk-bound (dfsio/);
 * - cpu: fixed units of hashing, units/s;
 * - net-stream / net-sink: bytes at full speed to a peer, MB/s.
 * Each reports throughput samples every second, and its tasks and job, as
 * JSON lines to a status file (reporter.ts) that supervisors and the
 * scenario runner tail (status-tail.ts).
 */
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type { DfsioResult } from './dfsio/master.js'
export type { MasterMessage, WorkerMessage } from './dfsio/protocol.js'
export type { TaskRecord } from './dfsio/task-board.js'
export { WorkloadError, type WorkloadErrorCode } from './errors.js'
export { type WorkloadPaths, workloadPaths } from './paths.js'
export { JsonLinesReporter, type WorkloadReporter } from './reporter.js'
export { type RunWorkloadOptions, runWorkload } from './run.js'
export {
  type Address,
  parseSpec,
  readSpec,
  WORKLOAD_KINDS,
  type WorkloadKind,
  type WorkloadSpec,
  type WorkloadSpecInput,
} from './spec.js'
export {
  latestSamples,
  METRIC_UNIT,
  type Metric,
  parseStatus,
  type RateUnit,
  type StatusBody,
  type WorkloadSample,
  type WorkloadStatus,
} from './status.js'
export { readStatusFile, StatusTail } from './status-tail.js'

/** The workload process's entry (host.spawnNode(WORKLOAD_MAIN, [root, '--status', file])). */
export function workloadMain(): string {
  const here = fileURLToPath(import.meta.url)
  return join(dirname(here), `main${extname(here)}`)
}
