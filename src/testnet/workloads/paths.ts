/**
 * Where a workload keeps its definition and state: on the VM's disk, under
 * /workload/, so they move with the VM when it swaps (the VM's tree is
 * mounted, or copied out in emulated mode, at the root the supervisor passes).
 */
import { join } from 'node:path'

export interface WorkloadPaths {
  /** The VM's filesystem root. */
  root: string
  /** /workload/spec.json: the workload kind and parameters. */
  spec: string
  /** /workload/state.json: what the workload resumes from after a restart (a swap, a crash). */
  state: string
  /** /workload/result.json: a finished job's records (the DFSIO master writes it). */
  result: string
  /** /workload/data/: the files a disk-bound workload writes. */
  data: string
  /** /vboom/vm.json: the VM's identity (its name, when the spec gives none). */
  vmJson: string
}

export function workloadPaths(root: string): WorkloadPaths {
  return {
    root,
    spec: join(root, 'workload', 'spec.json'),
    state: join(root, 'workload', 'state.json'),
    result: join(root, 'workload', 'result.json'),
    data: join(root, 'workload', 'data'),
    vmJson: join(root, 'vboom', 'vm.json'),
  }
}
