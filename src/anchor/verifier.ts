/**
 * Verification (paper III-B): on the owner's request, the anchor has the VM
 * boot the anchor's verification image on its host (`bootRemote`), so the
 * owner's code and login are out of the way; the image runs the anchor-signed
 * suite with the anchor's code; the anchor signs an attestation of what was
 * measured (location, VM, measurements, time, validity).
 *
 * How a host is reached is the platform's business: the anchor is given a
 * resolver from location to a boot target (the testnet's emulated hosts; on a
 * real cloud, the provider API acting for the owner). The anchor never imports
 * the agent: `BootTarget` is declared below both, in src/runtime/platform.ts,
 * and the agent's Platform extends it.
 */
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { DEFAULT_ATTESTATION_TTL_MS } from '../protocols/anchor-constants.js'
import { peerIdOfKey, signAttestation } from '../protocols/attestation.js'
import type { SignedBenchmark } from '../protocols/proto/benchmark.js'
import type { Bytes } from '../protocols/signing.js'
import type { Logger } from '../runtime/log.js'
import type { BootTarget, VerificationImage } from '../runtime/platform.js'
import { decodeManifest, encodeSignedBenchmark, needsNetwork } from '../runtime/sandbox/index.js'
import type { BenchmarkRegistry } from './benchmarks/registry.js'
import type { ControlAuthorizer, OwnershipView } from './control-auth.js'
import { VerificationError } from './errors.js'
import type { AnchorKey } from './key.js'

export type HostResolver = (location: string) => BootTarget | null

/** What the anchor sends its image: the signed benchmarks and modules, and the key they check against. */
export interface ImageRequest {
  t: 'run'
  anchorKey: Uint8Array
  benchmarks: Array<{ signed: Uint8Array; module: Uint8Array }>
}

export interface ImageResult {
  name: string
  resource: string
  value: number
  unit: string
}

const here = fileURLToPath(import.meta.url)
/** The anchor's image entry: same extension as this module (.ts from source, .js when built). */
const VERIFICATION_IMAGE: VerificationImage = {
  entry: join(dirname(here), `verification-image${extname(here)}`),
}

export interface VerifierInit {
  key: AnchorKey
  registry: BenchmarkRegistry
  hosts: HostResolver
  control: ControlAuthorizer
  ownership: OwnershipView
  /** Benchmark names to run; default: every catalog benchmark that needs no network peer. */
  benchmarks?: string[]
  ttlMs?: number
  now?: () => number
  log: Logger
}

export class Verifier {
  private readonly busy = new Set<string>()

  constructor(private readonly init: VerifierInit) {}

  /** The catalog entries a verification runs. */
  private suite(): SignedBenchmark[] {
    const wanted = this.init.benchmarks
    return this.init.registry.catalog().filter((s) => {
      const m = decodeManifest(s.manifest)
      if (wanted !== undefined) return wanted.includes(m.name)
      // The image has no peer to measure against (the anchor does not serve a bandwidth sink to it).
      return !needsNetwork(m.hostFunctions)
    })
  }

  /**
   * Authorises the owner's signed control request, boots the image on the
   * location's host, runs the suite there and signs the attestation
   * (SignedAttestation bytes). `vm`, when not empty, is the peer id (multihash
   * bytes) the requester expects in the location.
   */
  async verify(control: Uint8Array, vm: Uint8Array, signal?: AbortSignal): Promise<Bytes> {
    const auth = this.init.control.authorize(control)
    if (auth.request.action !== 'boot-verification-image')
      throw new VerificationError('WRONG_ACTION', 'a verification needs a boot-verification-image request')
    const { location } = auth.request
    const record = this.init.ownership.ownerOf(location)
    if (record === null)
      throw new VerificationError('UNKNOWN_LOCATION', `location ${location} is not registered`)
    const vmId = peerIdOfKey(record.vm)
    if (vm.length > 0) {
      let asked: string
      try {
        asked = peerIdFromMultihash(Digest.decode(vm)).toString()
      } catch {
        throw new VerificationError('MALFORMED', 'vm id does not parse')
      }
      if (asked !== vmId) throw new VerificationError('WRONG_VM', `location ${location} holds another VM`)
    }
    const target = this.init.hosts(location)
    if (target === null)
      throw new VerificationError('NO_HOST', `the anchor cannot reach the host of ${location}`)
    if (this.busy.has(location))
      throw new VerificationError('BUSY', `a verification of ${location} is running`)
    this.busy.add(location)
    try {
      const suite = this.suite()
      if (suite.length === 0) throw new VerificationError('NO_BENCHMARKS', 'no benchmark to verify with')
      const benchmarks = []
      for (const s of suite) {
        const module = await this.init.registry.module(Buffer.from(s.moduleSha256).toString('hex'))
        if (module === null) throw new VerificationError('NO_BENCHMARKS', 'a catalog module is missing')
        benchmarks.push({ signed: encodeSignedBenchmark(s), module })
      }
      const session = await target.bootRemote(VERIFICATION_IMAGE)
      let reply: unknown
      try {
        reply = await session.request({ t: 'run', anchorKey: this.init.key.publicKey, benchmarks }, signal)
      } finally {
        await session.close()
      }
      const results = parseResults(reply, suite.length)
      const now = (this.init.now ?? Date.now)()
      this.init.log.info({ location, results }, 'location verified')
      return signAttestation(
        {
          location,
          vm: vmId,
          measurements: results.map((r) => ({
            resource: r.resource,
            name: r.name,
            value: r.value,
            unit: r.unit,
          })),
          measuredAtMs: now,
          expiresAtMs: now + (this.init.ttlMs ?? DEFAULT_ATTESTATION_TTL_MS),
          anchorKey: new Uint8Array(this.init.key.publicKey),
        },
        this.init.key.secretKey,
      )
    } finally {
      this.busy.delete(location)
    }
  }
}

/** The image is the anchor's code, but its answer crossed a process (and, for real, a network) boundary: check it. */
function parseResults(reply: unknown, expected: number): ImageResult[] {
  const r = reply as { t?: string; results?: unknown; error?: { code?: unknown; message?: unknown } }
  if (r?.t === 'error') {
    throw new VerificationError(
      'IMAGE_FAILED',
      `verification image failed: ${String(r.error?.message ?? '').slice(0, 256)}`,
    )
  }
  if (r?.t !== 'results' || !Array.isArray(r.results) || r.results.length !== expected)
    throw new VerificationError('IMAGE_FAILED', 'verification image gave no usable results')
  return r.results.map((x: unknown) => {
    const m = x as ImageResult
    if (
      typeof m?.name !== 'string' ||
      typeof m.resource !== 'string' ||
      typeof m.unit !== 'string' ||
      typeof m.value !== 'number' ||
      !Number.isFinite(m.value)
    )
      throw new VerificationError('IMAGE_FAILED', 'verification image gave a malformed result')
    return {
      name: m.name.slice(0, 128),
      resource: m.resource.slice(0, 32),
      value: m.value,
      unit: m.unit.slice(0, 32),
    }
  })
}
