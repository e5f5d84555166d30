/**
 * Anchor-signed benchmarks and the sandbox that runs them. Used by agents
 * (probe, profiler) and by the anchor (verification); depends on nothing but
 * src/protocols.
 */
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
export { HOST_FUNCTIONS, HOST_MODULE, type HostFunctionName, needsNetwork } from './host-functions.js'
export {
  admitBenchmark,
  type BenchmarkResult,
  checkModule,
  type NetPeer,
  runBenchmark,
  type SandboxOptions,
  type SandboxPolicy,
} from './sandbox.js'
