/**
 * Runs the workload a VM's disk defines: reads /workload/spec.json under the
 * VM's root, learns its host (when started in one), reports its start and
 * end, and runs the kind the spec names until it finishes or `signal` stops it.
 */
import { HostEmulationError, HostRuntime } from '../hosts/index.js'
import type { WorkloadContext } from './context.js'
import { runCpu } from './cpu.js'
import { runDfsioMaster } from './dfsio/master.js'
import { runDfsioWorker } from './dfsio/worker.js'
import { runNetSink, runNetStream } from './net.js'
import { workloadPaths } from './paths.js'
import { JsonLinesReporter, type WorkloadReporter } from './reporter.js'
import { readSpec, vmName, type WorkloadSpec } from './spec.js'

export interface RunWorkloadOptions {
  /** The VM's filesystem root (mounted, or copied out in emulated mode). */
  root: string
  /** The status file (JSON lines) in the host's run directory. */
  statusPath: string
  signal: AbortSignal
}

/** This process's host, or null when it was not started in one. */
function currentHost(): HostRuntime | null {
  try {
    return HostRuntime.current()
  } catch (err) {
    if (err instanceof HostEmulationError && err.code === 'NOT_IN_HOST') return null
    throw err
  }
}

function dispatch(ctx: WorkloadContext, spec: WorkloadSpec): Promise<void> {
  switch (spec.kind) {
    case 'dfsio-master':
      return runDfsioMaster(ctx, spec)
    case 'dfsio-worker':
      return runDfsioWorker(ctx, spec)
    case 'cpu':
      return runCpu(ctx, spec)
    case 'net-sink':
      return runNetSink(ctx, spec)
    case 'net-stream':
      return runNetStream(ctx, spec)
  }
}

/** Runs the VM's workload; resolves when its work is done or it was stopped, throws on failure (reported first). */
export async function runWorkload(o: RunWorkloadOptions): Promise<void> {
  const paths = workloadPaths(o.root)
  const spec = await readSpec(paths)
  const vm = await vmName(paths, spec)
  const host = currentHost()
  const reporter: WorkloadReporter = new JsonLinesReporter(o.statusPath, {
    vm,
    host: host?.info.name ?? 'none',
    workload: spec.kind,
  })
  reporter.report({ type: 'start', mode: host?.info.mode ?? 'none' })
  try {
    await dispatch({ paths, vm, host, reporter, signal: o.signal }, spec)
    reporter.report({ type: 'end', reason: o.signal.aborted ? 'signal' : 'finished' })
  } catch (err) {
    const code =
      typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'FAILED'
    reporter.report({ type: 'error', code, message: (err as Error).message })
    reporter.report({ type: 'end', reason: 'error' })
    throw err
  } finally {
    reporter.close()
    host?.close()
  }
}
