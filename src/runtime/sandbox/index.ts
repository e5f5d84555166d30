/**
 * Anchor-signed benchmarks and the sandbox that runs them. Used by agents
 * (probe, profiler) and by the anchor (verification); depends on nothing but
 * src/protocols.
 */

export { checkModule, type HostResources, type SandboxPolicy } from './admission.js'
export {
  type BenchmarkManifest,
  BenchmarkResource,
  benchmarkSignable,
  decodeCatalog,
  decodeManifest,
  decodeSignedBenchmark,
  encodeCatalog,
  encodeManifest,
  encodeSignedBenchmark,
  SignedBenchmark,
  sha256,
  type VerifiedBenchmark,
  verifyBenchmark,
} from './benchmark.js'
export { BenchmarkFailedError, BenchmarkRefusedError } from './errors.js'
export { type NetPeer, needsNetwork } from './host-functions.js'
export type { IoGate, IoKind } from './io-gate.js'
export { type BenchmarkResult, runBenchmark, type SandboxOptions } from './sandbox.js'
