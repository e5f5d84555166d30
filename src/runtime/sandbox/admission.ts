/**
 * Admission: whether a benchmark may run here, decided before anything runs.
 * The module is checked statically against its manifest and local policy
 * (imports only the granted host functions of module "vboom", every memory
 * and table bounded, the memory's bound within the manifest's limit), and the
 * host functions granted must be servable here. The anchor runs the same
 * checks before it signs; running an admitted module is src/runtime/sandbox/sandbox.ts.
 */
import type { BenchmarkManifest, VerifiedBenchmark } from './benchmark.js'
import {
  DEFAULT_MAX_MEMORY_PAGES,
  DEFAULT_MAX_TIME_LIMIT_MS,
  MAX_MODULE_BYTES,
  MAX_TABLE_ELEMENTS,
} from './constants.js'
import { BenchmarkRefusedError } from './errors.js'
import { HOST_FUNCTIONS, HOST_MODULE, isHostFunction, NET_CALLBACK, type NetPeer } from './host-functions.js'
import type { IoGate } from './io-gate.js'
import { type CompiledModule, wasm } from './wasm-api.js'
import { inspectModule } from './wasm-inspect.js'

/** Local caps on what any manifest may ask for. */
export interface SandboxPolicy {
  /** In 64 KiB pages. Default 16384 (1 GiB). */
  maxMemoryPages?: number
  /** Default 120 s. */
  maxTimeLimitMs?: number
}

/** What this process can serve a benchmark's host functions with. */
export interface HostResources {
  /**
   * Where disk benchmarks get their scratch file (on the disk to measure), its
   * size cap (default 1 GiB), and the gate each disk call waits for when the
   * disk's limits are emulated (io-gate.ts; none: the calls run at once).
   */
  disk?: { dir: string; maxBytes?: number; gate?: IoGate }
  /** The probe peer for network benchmarks (net_rtt_us, net_send_us). */
  net?: NetPeer
}

const refuse = (code: string, message: string): never => {
  throw new BenchmarkRefusedError(code, message)
}

/**
 * Static checks of a module against its manifest and local policy: limits
 * within policy, only known host functions, imports only the granted ones,
 * every memory and table bounded, memory within the manifest's limit, the
 * entry (and memory, for disk calls) exported. Returns the compiled module.
 * The anchor runs the same checks before it signs.
 */
export async function checkModule(
  m: BenchmarkManifest,
  module: Uint8Array,
  policy: SandboxPolicy = {},
): Promise<CompiledModule> {
  const maxPages = policy.maxMemoryPages ?? DEFAULT_MAX_MEMORY_PAGES
  const maxTime = policy.maxTimeLimitMs ?? DEFAULT_MAX_TIME_LIMIT_MS
  if (module.length > MAX_MODULE_BYTES) refuse('TOO_LARGE', `module of ${module.length} bytes`)
  if (m.memoryLimitPages > maxPages)
    refuse('POLICY_LIMIT', `manifest asks ${m.memoryLimitPages} pages; local cap ${maxPages}`)
  if (m.timeLimitMs > maxTime)
    refuse('POLICY_LIMIT', `manifest asks ${m.timeLimitMs} ms; local cap ${maxTime}`)
  for (const h of m.hostFunctions)
    if (!isHostFunction(h)) refuse('UNKNOWN_HOST_FUNCTION', `no host function ${h}`)
  // Memory and table bounds, read from the binary (the JS API does not show them).
  const shape = inspectModule(module)
  for (const mem of shape.memories) {
    if (mem.max === null) refuse('MEMORY_UNBOUNDED', 'module memory declares no maximum')
    else if (mem.max > m.memoryLimitPages) {
      refuse(
        'MEMORY_LIMIT',
        `module memory may grow to ${mem.max} pages; manifest allows ${m.memoryLimitPages}`,
      )
    }
  }
  for (const table of shape.tables) {
    if (table.max === null || table.max > MAX_TABLE_ELEMENTS) {
      refuse('TABLE_LIMIT', `tables need a maximum of at most ${MAX_TABLE_ELEMENTS} elements`)
    }
  }
  let compiled: CompiledModule
  try {
    compiled = await wasm.compile(module)
  } catch (err) {
    throw new BenchmarkRefusedError('INVALID_MODULE', 'module does not compile', { cause: err })
  }
  // Imports: functions of module "vboom" the manifest grants, nothing else.
  for (const imp of wasm.Module.imports(compiled)) {
    if (imp.kind !== 'function' || imp.module !== HOST_MODULE || !m.hostFunctions.includes(imp.name)) {
      refuse('IMPORT_NOT_GRANTED', `import ${imp.module}.${imp.name} (${imp.kind}) not granted`)
    }
  }
  const exports = new Map(wasm.Module.exports(compiled).map((e) => [e.name, e.kind]))
  if (exports.get(m.entry) !== 'function') refuse('MISSING_EXPORT', `no exported function ${m.entry}`)
  const usesDisk = m.hostFunctions.some((h) => isHostFunction(h) && HOST_FUNCTIONS[h] === 'disk')
  if (usesDisk && exports.get('memory') !== 'memory')
    refuse('MISSING_EXPORT', 'disk functions need an exported memory')
  return compiled
}

/** `checkModule`, plus: the host functions granted can be served here (a scratch dir, a probe peer). */
export async function admitBenchmark(
  b: VerifiedBenchmark,
  options: SandboxPolicy & HostResources = {},
): Promise<CompiledModule> {
  for (const h of b.manifest.hostFunctions) {
    if (!isHostFunction(h)) continue
    if (HOST_FUNCTIONS[h] === 'disk' && options.disk === undefined)
      refuse('NO_DISK', `${h} needs a scratch dir`)
    if (HOST_FUNCTIONS[h] === 'net') {
      const callback = NET_CALLBACK[h as keyof typeof NET_CALLBACK]
      if (options.net === undefined || typeof options.net[callback] !== 'function')
        refuse('NO_NETWORK', `${h} needs a probe peer`)
    }
  }
  return checkModule(b.manifest, b.module, options)
}
