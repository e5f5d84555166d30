/**
 * Runs an admitted, anchor-signed benchmark in a worker thread.
 *
 * Before anything runs: the signature is checked against the anchor key the
 * caller trusts, the module's hash against the signed one, and the module is
 * admitted (src/runtime/sandbox/admission.ts). Then the worker gets the
 * manifest's time limit (terminated past it) and a small V8 heap; the module's
 * own memory cannot outgrow its declared maximum. Whatever the module does,
 * the caller gets a result or a typed error and keeps running.
 */
import { randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { type FileHandle, open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { SignedBenchmark } from '../../protocols/proto/benchmark.js'
import { admitBenchmark, type HostResources, type SandboxPolicy } from './admission.js'
import { type BenchmarkManifest, verifyBenchmark } from './benchmark.js'
import {
  DEFAULT_MAX_DISK_BYTES,
  DIRECT_IO_ALIGN,
  MAX_HOST_IO_BYTES,
  NET_CALL_TIMEOUT_MS,
  NET_TRANSFER_TIMEOUT_MS,
  WORKER_MAX_OLD_GENERATION_MB,
  WORKER_MAX_YOUNG_GENERATION_MB,
  WORKER_STACK_MB,
} from './constants.js'
import { BenchmarkFailedError } from './errors.js'
import { HOST_FUNCTIONS, isHostFunction } from './host-functions.js'
import type { IoGate, IoKind } from './io-gate.js'
import type { CompiledModule } from './wasm-api.js'
import { WORKER_SOURCE } from './worker-source.js'

export interface SandboxOptions extends SandboxPolicy, HostResources {
  signal?: AbortSignal
}

export interface BenchmarkResult {
  name: string
  version: number
  unit: string
  higherIsBetter: boolean
  value: number
  /** Hex sha256 of the module run. */
  moduleSha256: string
  /** Wall time of the entry call inside the worker. */
  elapsedMs: number
  /** Module memory at the end, bytes. */
  memoryBytes: number
  /** Disk host calls: how many went through O_DIRECT (uncached) or the page cache. */
  io: { directOps: number; bufferedOps: number; bytes: number }
}

/** Verifies, admits and runs a signed benchmark. Throws BenchmarkRefusedError or BenchmarkFailedError. */
export async function runBenchmark(
  signed: SignedBenchmark,
  module: Uint8Array,
  trustedAnchorKey: Uint8Array,
  options: SandboxOptions = {},
): Promise<BenchmarkResult> {
  const verified = verifyBenchmark(signed, module, trustedAnchorKey)
  const compiled = await admitBenchmark(verified, options)
  return runAdmitted(verified.manifest, compiled, Buffer.from(verified.moduleSha256).toString('hex'), options)
}

interface WorkerDone {
  type: 'done'
  value: unknown
  elapsedMs: number
  io: BenchmarkResult['io']
  memoryBytes: number
}
type WorkerMessage =
  | WorkerDone
  | { type: 'failed'; code: string; message: string }
  | { type: 'net'; op: 'rtt' | 'send'; bytes: number }
  | { type: 'disk'; op: IoKind; bytes: number }

async function runAdmitted(
  m: BenchmarkManifest,
  compiled: CompiledModule,
  moduleSha256: string,
  options: SandboxOptions,
): Promise<BenchmarkResult> {
  if (options.signal?.aborted)
    throw new BenchmarkFailedError('ABORTED', `${m.name} aborted before it started`)
  const usesDisk = m.hostFunctions.some((h) => isHostFunction(h) && HOST_FUNCTIONS[h] === 'disk')
  const usesNet = m.hostFunctions.some((h) => isHostFunction(h) && HOST_FUNCTIONS[h] === 'net')
  const handles: FileHandle[] = []
  let scratch: string | null = null
  try {
    let disk = null
    if (usesDisk && options.disk !== undefined) {
      scratch = join(options.disk.dir, `.vboom-bench-${randomBytes(8).toString('hex')}`)
      const { O_RDWR, O_CREAT, O_EXCL, O_DSYNC, O_DIRECT } = fsConstants
      // Writes are durable on return (O_DSYNC), so they measure the device, not the page cache.
      const buffered = await open(scratch, O_RDWR | O_CREAT | O_EXCL | O_DSYNC, 0o600)
      handles.push(buffered)
      // O_DIRECT bypasses the page cache for aligned calls; tmpfs and some filesystems refuse it.
      let directFd = -1
      if (O_DIRECT !== undefined) {
        try {
          const direct = await open(scratch, O_RDWR | O_DIRECT | O_DSYNC)
          handles.push(direct)
          directFd = direct.fd
        } catch {
          directFd = -1
        }
      }
      disk = { bufferedFd: buffered.fd, directFd, maxBytes: options.disk.maxBytes ?? DEFAULT_MAX_DISK_BYTES }
    }
    const netBuffer = usesNet ? new SharedArrayBuffer(16) : null
    const gate = disk !== null && options.disk?.gate !== undefined ? options.disk.gate : null
    return await spawn(m, compiled, moduleSha256, options, disk, netBuffer, gate)
  } finally {
    for (const h of handles) await h.close().catch(() => {})
    if (scratch !== null) await unlink(scratch).catch(() => {})
  }
}

function spawn(
  m: BenchmarkManifest,
  compiled: CompiledModule,
  moduleSha256: string,
  options: SandboxOptions,
  disk: { bufferedFd: number; directFd: number; maxBytes: number } | null,
  netBuffer: SharedArrayBuffer | null,
  gate: IoGate | null,
): Promise<BenchmarkResult> {
  return new Promise<BenchmarkResult>((resolve, reject) => {
    // The worker waits on this flag for each disk call's grant (only when a gate is given).
    const gateFlag = gate === null ? null : new Int32Array(new SharedArrayBuffer(4))
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // No inherited flags: the source is CommonJS even when the parent runs with
      // --input-type=module, and no loader (tsx, tap) is needed or wanted in the sandbox.
      execArgv: [],
      workerData: {
        module: compiled,
        entry: m.entry,
        args: m.parameters.map((p) => p.value),
        grants: m.hostFunctions,
        disk,
        net: netBuffer === null ? null : { buffer: netBuffer },
        // The run is killed at its time limit anyway; a grant never waits longer.
        gate: gateFlag === null ? null : { buffer: gateFlag.buffer, timeoutMs: m.timeLimitMs },
        limits: {
          maxIoBytes: MAX_HOST_IO_BYTES,
          align: DIRECT_IO_ALIGN,
          netTimeoutMs: NET_CALL_TIMEOUT_MS,
          netTransferTimeoutMs: NET_TRANSFER_TIMEOUT_MS,
        },
      },
      resourceLimits: {
        maxOldGenerationSizeMb: WORKER_MAX_OLD_GENERATION_MB,
        maxYoungGenerationSizeMb: WORKER_MAX_YOUNG_GENERATION_MB,
        stackSizeMb: WORKER_STACK_MB,
      },
      stdout: true,
      stderr: true,
    })
    let settled = false
    // Aborts network calls in flight when the run ends.
    const ended = new AbortController()
    const finish = (err: Error | null, result?: BenchmarkResult): void => {
      if (settled) return
      settled = true
      ended.abort()
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      // Resolve only once the thread is gone, so the caller can close its files safely.
      void worker.terminate().finally(() => (err === null ? resolve(result!) : reject(err)))
    }
    const timer = setTimeout(
      () =>
        finish(
          new BenchmarkFailedError('TIMEOUT', `${m.name} killed at its time limit of ${m.timeLimitMs} ms`),
        ),
      m.timeLimitMs,
    )
    const onAbort = (): void => finish(new BenchmarkFailedError('ABORTED', `${m.name} aborted`))
    options.signal?.addEventListener('abort', onAbort, { once: true })

    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'disk' && gate !== null && gateFlag !== null) {
        grantDiskCall(gate, gateFlag, msg)
      } else if (msg.type === 'net' && netBuffer !== null && options.net !== undefined) {
        const flag = new Int32Array(netBuffer, 0, 1)
        const value = new Float64Array(netBuffer, 8, 1)
        const fail = (): void => {
          Atomics.store(flag, 0, 2)
          Atomics.notify(flag, 0)
        }
        // The worker checked the size; check again, the message crossed a thread.
        const net = options.net
        let call: Promise<number> | null = null
        try {
          if (Number.isInteger(msg.bytes) && msg.bytes >= 0 && msg.bytes <= MAX_HOST_IO_BYTES) {
            if (msg.op === 'rtt') call = net.roundTripUs(msg.bytes, ended.signal)
            else if (msg.op === 'send' && net.transferUs !== undefined)
              call = net.transferUs(msg.bytes, ended.signal)
          }
        } catch {
          call = null
        }
        if (call === null) {
          fail()
          return
        }
        call.then((us) => {
          // A duration must be positive: zero would turn into an infinite bandwidth.
          if (!Number.isFinite(us) || us <= 0) return fail()
          value[0] = us
          Atomics.store(flag, 0, 1)
          Atomics.notify(flag, 0)
        }, fail)
      } else if (msg.type === 'failed') {
        finish(new BenchmarkFailedError(msg.code, `${m.name}: ${msg.message}`))
      } else if (msg.type === 'done') {
        if (typeof msg.value !== 'number' || !Number.isFinite(msg.value)) {
          finish(new BenchmarkFailedError('BAD_RESULT', `${m.name} returned ${String(msg.value)}`))
          return
        }
        finish(null, {
          name: m.name,
          version: m.version,
          unit: m.unit,
          higherIsBetter: m.higherIsBetter,
          value: msg.value,
          moduleSha256,
          elapsedMs: msg.elapsedMs,
          memoryBytes: msg.memoryBytes,
          io: msg.io,
        })
      }
    })
    worker.on('error', (err: Error & { code?: string }) => {
      const code = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'OUT_OF_MEMORY' : 'CRASHED'
      finish(new BenchmarkFailedError(code, `${m.name}: ${err.message}`, { cause: err }))
    })
    worker.on('exit', (exitCode) => {
      finish(
        new BenchmarkFailedError('CRASHED', `${m.name}: worker exited with code ${exitCode} before a result`),
      )
    })
  })
}

/**
 * Asks the gate for one disk call of the worker and wakes it with the answer:
 * 1 to run, 2 when the gate refused or the request was malformed (the worker
 * checked it; check again, the message crossed a thread).
 */
function grantDiskCall(gate: IoGate, flag: Int32Array, msg: { op: IoKind; bytes: number }): void {
  const answer = (v: 1 | 2): void => {
    Atomics.store(flag, 0, v)
    Atomics.notify(flag, 0)
  }
  if (
    (msg.op !== 'read' && msg.op !== 'write') ||
    !Number.isInteger(msg.bytes) ||
    msg.bytes < 0 ||
    msg.bytes > MAX_HOST_IO_BYTES
  ) {
    answer(2)
    return
  }
  let granted: Promise<void>
  try {
    granted = gate.grant(msg.op, msg.bytes)
  } catch {
    answer(2)
    return
  }
  granted.then(
    () => answer(1),
    () => answer(2),
  )
}
