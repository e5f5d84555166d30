/**
 * An I/O gate: something outside the sandbox that decides when each disk
 * host call of a benchmark may run. Where the disk is the machine's own the
 * kernel already throttles it and no gate is given (the worker then pays
 * nothing for it). Where the disk's limits are emulated in user space (the
 * testnet without root, whose token buckets hold the workloads' I/O), the
 * platform hands the agent a gate backed by the same buckets, so the agent's
 * benchmarks measure the disk the workloads get.
 */

export type IoKind = 'read' | 'write'

export interface IoGate {
  /**
   * Resolves when an I/O of `bytes` (one disk_read or disk_write call) may
   * run; rejects when the limits cannot be asked any more (the benchmark then
   * fails with HOST_CALL_FAILED rather than measure an unthrottled disk).
   */
  grant(kind: IoKind, bytes: number): Promise<void>
}
