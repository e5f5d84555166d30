/**
 * The agent's side of the anchor services it uses besides the coordinator:
 * the signed benchmark catalog and modules (every benchmark checked against
 * the trusted anchor key, every module against its signed hash, before it is
 * kept) and verification requests.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  CATALOG_PROTOCOL,
  DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
  DEFAULT_VERIFY_TIMEOUT_MS,
  MAX_CATALOG_RESPONSE_BYTES,
  MAX_FAILURE_LENGTH,
  MAX_MODULE_RESPONSE_BYTES,
  MAX_VERIFY_RESPONSE_BYTES,
  MODULE_PROTOCOL,
  VERIFY_PROTOCOL,
} from '../protocols/anchor-constants.js'
import { ValidationError } from '../protocols/errors.js'
import {
  ModuleRequest,
  ModuleResponse,
  SignedAttestation,
  VerifyRequest,
  VerifyResponse,
} from '../protocols/proto/anchor.js'
import type { SignedBenchmark } from '../protocols/proto/benchmark.js'
import { rpcCall } from '../protocols/rpc.js'
import type { Bytes } from '../protocols/signing.js'
import { decodeCatalog, type VerifiedBenchmark, verifyBenchmark } from '../runtime/sandbox/index.js'

/** The anchor refused a request, or answered with something we do not keep. */
export class AnchorRequestError extends ValidationError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('REJECT', code, message, options)
    this.name = 'AnchorRequestError'
  }
}

export type AnchorTarget = PeerId | Multiaddr | Multiaddr[]

export interface AnchorClientInit {
  node: Libp2p
  anchor: AnchorTarget
  /** The anchor's Ed25519 public key the agent trusts (from its config, never from the network). */
  anchorKey: Uint8Array
  timeoutMs?: number
}

const failure = (f: { code: string; message: string }): AnchorRequestError =>
  new AnchorRequestError(
    /^[A-Z_]{1,64}$/.test(f.code) ? f.code : 'REMOTE',
    `anchor refused: ${f.message.slice(0, MAX_FAILURE_LENGTH)}`,
  )

export class AnchorClient {
  constructor(private readonly init: AnchorClientInit) {}

  private call(protocol: string, req: Uint8Array, max: number, timeoutMs?: number, signal?: AbortSignal) {
    return rpcCall(this.init.node, this.init.anchor, protocol, req, {
      maxResponseBytes: max,
      timeoutMs: timeoutMs ?? this.init.timeoutMs ?? DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
      signal,
    })
  }

  /** The signed catalog; entries whose signature does not check against the trusted key are dropped. */
  async catalog(signal?: AbortSignal): Promise<SignedBenchmark[]> {
    const bytes = await this.call(
      CATALOG_PROTOCOL,
      new Uint8Array(0),
      MAX_CATALOG_RESPONSE_BYTES,
      undefined,
      signal,
    )
    return decodeCatalog(bytes)
  }

  /** A module by hash, verified with its signed catalog entry before it is returned. */
  async benchmark(signed: SignedBenchmark, signal?: AbortSignal): Promise<VerifiedBenchmark> {
    const bytes = await this.call(
      MODULE_PROTOCOL,
      ModuleRequest.encode({ sha256: new Uint8Array(signed.moduleSha256) }),
      MAX_MODULE_RESPONSE_BYTES,
      undefined,
      signal,
    )
    let r: ModuleResponse
    try {
      r = ModuleResponse.decode(bytes)
    } catch (err) {
      throw new AnchorRequestError('MALFORMED', 'module response does not decode', { cause: err })
    }
    if (r.failure !== undefined) throw failure(r.failure)
    // The signature over the hash, then the hash of the bytes received.
    return verifyBenchmark(signed, r.module, this.init.anchorKey)
  }

  /** Catalog entries by name, each with its verified module. */
  async benchmarks(names: string[], signal?: AbortSignal): Promise<VerifiedBenchmark[]> {
    const catalog = await this.catalog(signal)
    const out: VerifiedBenchmark[] = []
    for (const name of names) {
      let found: VerifiedBenchmark | null = null
      for (const s of catalog) {
        const v = await this.benchmark(s, signal).catch(() => null)
        if (v !== null && v.manifest.name === name) {
          found = v
          break
        }
      }
      if (found === null)
        throw new AnchorRequestError('UNKNOWN_BENCHMARK', `the anchor has no signed benchmark ${name}`)
      out.push(found)
    }
    return out
  }

  /**
   * Asks the anchor to verify a location: `control` is the owner's signed
   * boot-verification-image request, `vm` the VM's peer id bytes. Returns the
   * SignedAttestation bytes to put in the advert.
   */
  async verify(control: Uint8Array, vm: Uint8Array, signal?: AbortSignal): Promise<Bytes> {
    const bytes = await this.call(
      VERIFY_PROTOCOL,
      VerifyRequest.encode({ control: new Uint8Array(control), vm: new Uint8Array(vm) }),
      MAX_VERIFY_RESPONSE_BYTES,
      DEFAULT_VERIFY_TIMEOUT_MS,
      signal,
    )
    let r: VerifyResponse
    try {
      r = VerifyResponse.decode(bytes)
    } catch (err) {
      throw new AnchorRequestError('MALFORMED', 'verify response does not decode', { cause: err })
    }
    if (r.failure !== undefined) throw failure(r.failure)
    if (r.attestation === undefined)
      throw new AnchorRequestError('MALFORMED', 'verify response has no attestation')
    return SignedAttestation.encode(r.attestation)
  }
}
