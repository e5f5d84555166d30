/**
 * Signed benchmarks: the manifest's domain type, its size-limited decoding,
 * the bytes the anchor signs, and the check an agent makes before running one.
 *
 * The anchor signs `signable('vboom/benchmark/v1', sha256(module) || manifest)`
 * over the manifest's exact encoded bytes, which travel with the signature.
 */
import { createHash } from 'node:crypto'
import {
  BenchmarkCatalog,
  BenchmarkResource,
  BenchmarkManifest as ManifestPb,
  SignedBenchmark,
} from '../../protocols/proto/benchmark.js'
import { SignatureDomain, verify } from '../../protocols/signing.js'
import {
  MAX_CATALOG_ENTRIES,
  MAX_DESCRIPTION_LENGTH,
  MAX_HOST_FUNCTIONS,
  MAX_MANIFEST_BYTES,
  MAX_MODULE_BYTES,
  MAX_NAME_LENGTH,
  MAX_PARAMETERS,
  MAX_SIGNED_BENCHMARK_BYTES,
  MAX_UNIT_LENGTH,
} from './constants.js'
import { BenchmarkRefusedError } from './errors.js'

export { BenchmarkResource, SignedBenchmark }

export interface BenchmarkManifest {
  name: string
  version: number
  resource: BenchmarkResource
  unit: string
  description: string
  parameters: Array<{ name: string; value: number }>
  timeLimitMs: number
  memoryLimitPages: number
  hostFunctions: string[]
  entry: string
  higherIsBetter: boolean
}

/** A benchmark whose signature and module hash checked out. */
export interface VerifiedBenchmark {
  manifest: BenchmarkManifest
  module: Uint8Array
  moduleSha256: Uint8Array
  signed: SignedBenchmark
}

const refuse = (code: string, message: string): never => {
  throw new BenchmarkRefusedError(code, message)
}

export const sha256 = (b: Uint8Array): Uint8Array<ArrayBuffer> =>
  new Uint8Array(createHash('sha256').update(b).digest())

/** The payload the anchor signs. */
export function benchmarkSignable(moduleSha256: Uint8Array, manifestBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(moduleSha256.length + manifestBytes.length)
  out.set(moduleSha256, 0)
  out.set(manifestBytes, moduleSha256.length)
  return out
}

export function encodeManifest(m: BenchmarkManifest): Uint8Array {
  return ManifestPb.encode(m)
}

/** Decodes a manifest, size first, and checks every field's shape. */
export function decodeManifest(bytes: Uint8Array): BenchmarkManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) refuse('TOO_LARGE', `manifest of ${bytes.length} bytes`)
  let m: ManifestPb
  try {
    m = ManifestPb.decode(bytes, {
      limits: { parameters: MAX_PARAMETERS, hostFunctions: MAX_HOST_FUNCTIONS },
    })
  } catch (err) {
    throw new BenchmarkRefusedError('MALFORMED_MANIFEST', 'manifest does not decode', { cause: err })
  }
  const bad = (message: string): never => refuse('MALFORMED_MANIFEST', message)
  if (m.name.length === 0 || m.name.length > MAX_NAME_LENGTH) bad('bad name')
  if (m.unit.length === 0 || m.unit.length > MAX_UNIT_LENGTH) bad('bad unit')
  if (m.description.length > MAX_DESCRIPTION_LENGTH) bad('description too long')
  if (m.entry.length === 0 || m.entry.length > MAX_NAME_LENGTH) bad('bad entry name')
  if (m.resource === BenchmarkResource.BENCHMARK_RESOURCE_UNSPECIFIED) bad('resource unspecified')
  if (m.timeLimitMs === 0) bad('time limit of zero')
  if (m.memoryLimitPages === 0) bad('memory limit of zero')
  for (const p of m.parameters) {
    if (p.name.length === 0 || p.name.length > MAX_NAME_LENGTH) bad('bad parameter name')
    if (!Number.isFinite(p.value)) bad(`parameter ${p.name} is not finite`)
  }
  for (const h of m.hostFunctions)
    if (h.length === 0 || h.length > MAX_NAME_LENGTH) bad('bad host function name')
  return {
    name: m.name,
    version: m.version,
    resource: m.resource,
    unit: m.unit,
    description: m.description,
    parameters: m.parameters.map((p) => ({ name: p.name, value: p.value })),
    timeLimitMs: m.timeLimitMs,
    memoryLimitPages: m.memoryLimitPages,
    hostFunctions: [...m.hostFunctions],
    entry: m.entry,
    higherIsBetter: m.higherIsBetter,
  }
}

export function decodeSignedBenchmark(bytes: Uint8Array): SignedBenchmark {
  if (bytes.length > MAX_SIGNED_BENCHMARK_BYTES)
    refuse('TOO_LARGE', `signed benchmark of ${bytes.length} bytes`)
  try {
    return SignedBenchmark.decode(bytes)
  } catch (err) {
    throw new BenchmarkRefusedError('MALFORMED_MANIFEST', 'signed benchmark does not decode', { cause: err })
  }
}

export function encodeSignedBenchmark(s: SignedBenchmark): Uint8Array {
  return SignedBenchmark.encode(s)
}

export function decodeCatalog(bytes: Uint8Array): SignedBenchmark[] {
  if (bytes.length > MAX_CATALOG_ENTRIES * MAX_SIGNED_BENCHMARK_BYTES)
    refuse('TOO_LARGE', 'catalog too large')
  try {
    return BenchmarkCatalog.decode(bytes, { limits: { benchmarks: MAX_CATALOG_ENTRIES } }).benchmarks
  } catch (err) {
    throw new BenchmarkRefusedError('MALFORMED_MANIFEST', 'catalog does not decode', { cause: err })
  }
}

export function encodeCatalog(benchmarks: SignedBenchmark[]): Uint8Array {
  return BenchmarkCatalog.encode({ benchmarks })
}

/**
 * Checks a signed benchmark against the anchor key the caller trusts and the
 * module bytes it was given: the signature first (over the claimed hash), then
 * the module's real hash against the claim. Throws BenchmarkRefusedError.
 */
export function verifyBenchmark(
  signed: SignedBenchmark,
  module: Uint8Array,
  trustedAnchorKey: Uint8Array,
): VerifiedBenchmark {
  if (module.length > MAX_MODULE_BYTES) refuse('TOO_LARGE', `module of ${module.length} bytes`)
  if (signed.moduleSha256.length !== 32) refuse('BAD_SIGNATURE', 'module hash missing')
  const payload = benchmarkSignable(signed.moduleSha256, signed.manifest)
  if (!verify(SignatureDomain.benchmark, payload, signed.signature, trustedAnchorKey)) {
    refuse('BAD_SIGNATURE', 'benchmark not signed by the trusted anchor')
  }
  const moduleSha256 = sha256(module)
  if (!Buffer.from(moduleSha256).equals(Buffer.from(signed.moduleSha256))) {
    refuse('HASH_MISMATCH', 'module bytes differ from the signed hash')
  }
  return { manifest: decodeManifest(signed.manifest), module, moduleSha256, signed }
}
