/**
 * The anchor's benchmark signature: over sha256(module) || manifest bytes, in
 * the benchmark signature domain (see src/runtime/sandbox/benchmark.ts).
 */

import { SignatureDomain, sign } from '../../protocols/signing.js'
import {
  type BenchmarkManifest,
  benchmarkSignable,
  encodeManifest,
  type SignedBenchmark,
  sha256,
} from '../../runtime/sandbox/index.js'

export function signBenchmark(
  module: Uint8Array,
  manifest: BenchmarkManifest,
  anchorSecretKey: Uint8Array,
): SignedBenchmark {
  const manifestBytes = encodeManifest(manifest)
  const moduleSha256 = sha256(module)
  const signature = sign(
    SignatureDomain.benchmark,
    benchmarkSignable(moduleSha256, manifestBytes),
    anchorSecretKey,
  )
  return {
    manifest: new Uint8Array(manifestBytes),
    moduleSha256: new Uint8Array(moduleSha256),
    signature: new Uint8Array(signature),
  }
}
