/**
 * The agent's side of the anchor services it uses besides the coordinator:
 * the signed benchmark catalog and modules (every benchmark checked against
 * the trusted anchor key, every module against its signed hash, before it is
 * kept), verification requests, and the ledger (AnchorLedgerClient: submit
 * signed actions, register agreements, ask whether a delegation is revoked,
 * fetch the open agreement naming an agent).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  CATALOG_PROTOCOL,
  DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
  DEFAULT_VERIFY_TIMEOUT_MS,
  LEDGER_PROTOCOL,
  MAX_CATALOG_RESPONSE_BYTES,
  MAX_FAILURE_LENGTH,
  MAX_LEDGER_RESPONSE_BYTES,
  MAX_MODULE_RESPONSE_BYTES,
  MAX_VERIFY_RESPONSE_BYTES,
  MODULE_PROTOCOL,
  VERIFY_PROTOCOL,
} from '../protocols/anchor-constants.js'
import { readDelegation } from '../protocols/delegation.js'
import { ValidationError } from '../protocols/errors.js'
import { openAnchorEntry, type SignedAction } from '../protocols/ledger-action.js'
import {
  type LedgerRequest,
  LedgerRequest as LedgerRequestCodec,
  LedgerResponse,
  ModuleRequest,
  ModuleResponse,
  SignedAttestation,
  VerifyRequest,
  VerifyResponse,
} from '../protocols/proto/anchor.js'
import type { SignedBenchmark } from '../protocols/proto/benchmark.js'
import { Action as ActionPb } from '../protocols/proto/ledger.js'
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

export interface AnchorLedgerClientInit {
  node: Libp2p
  anchor: AnchorTarget
  /**
   * The anchor's Ed25519 public key, when the caller trusts one: every entry
   * the anchor says it appended is then checked against it (the signature,
   * and that it records what was sent). Without it, the libp2p connection to
   * the anchor's peer id is the only assurance.
   */
  anchorKey?: Uint8Array
  timeoutMs?: number
}

/** What the anchor appended: the entry's number and its stored bytes, signed by the anchor. */
export interface AppendedEntry {
  seq: bigint
  entry: Bytes
}

/** Whether a delegation is revoked, and by which entry. */
export interface DelegationStatusAnswer {
  revoked: boolean
  revokedAtSeq: bigint | null
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

/** The ledger service: parties submit signed actions and agreements, and ask about delegations. */
export class AnchorLedgerClient {
  constructor(private readonly init: AnchorLedgerClientInit) {}

  private async call(req: LedgerRequest, signal?: AbortSignal): Promise<LedgerResponse> {
    const bytes = await rpcCall(
      this.init.node,
      this.init.anchor,
      LEDGER_PROTOCOL,
      LedgerRequestCodec.encode(req),
      {
        maxResponseBytes: MAX_LEDGER_RESPONSE_BYTES,
        timeoutMs: this.init.timeoutMs ?? DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
        signal,
      },
    )
    let r: LedgerResponse
    try {
      r = LedgerResponse.decode(bytes)
    } catch (err) {
      throw new AnchorRequestError('MALFORMED', 'ledger response does not decode', { cause: err })
    }
    if (r.failure !== undefined) throw failure(r.failure)
    return r
  }

  /** The appended entry, checked against the trusted anchor key when there is one. */
  private appended(r: LedgerResponse, records: (action: Uint8Array) => boolean): AppendedEntry {
    const a = r.appended ?? null
    if (a === null)
      throw new AnchorRequestError('MALFORMED', 'the anchor answered without the entry it appended')
    if (this.init.anchorKey !== undefined) {
      const opened = openAnchorEntry(a.entry, this.init.anchorKey)
      if (opened === null || opened.seq !== a.seq)
        throw new AnchorRequestError(
          'BAD_ENTRY_SIGNATURE',
          'the entry the anchor returned is not signed by the anchor key given; check the anchor key, or the address of the anchor',
        )
      if (!records(opened.action))
        throw new AnchorRequestError(
          'WRONG_ENTRY',
          'the entry the anchor returned records something else than what was sent',
        )
    }
    return { seq: a.seq, entry: a.entry }
  }

  /** Submits an action its parties signed (a revocation, a payment, ...). Throws AnchorRequestError on a refusal. */
  async submit(signed: SignedAction, signal?: AbortSignal): Promise<AppendedEntry> {
    const r = await this.call(
      {
        submit: {
          action: new Uint8Array(signed.action),
          parties: signed.parties.map((p) => ({
            publicKey: new Uint8Array(p.publicKey),
            signature: new Uint8Array(p.signature),
          })),
        },
      },
      signal,
    )
    return this.appended(r, (action) => same(action, signed.action))
  }

  /** Registers a SignedAgreement both agents signed. Throws AnchorRequestError on a refusal (its code says which rule). */
  async registerAgreement(signedAgreement: Uint8Array, signal?: AbortSignal): Promise<AppendedEntry> {
    const r = await this.call({ registerAgreement: new Uint8Array(signedAgreement) }, signal)
    return this.appended(r, (action) => {
      try {
        const agreed = ActionPb.decode(action).swapAgreementRegistered
        return agreed !== undefined && same(agreed.agreement, signedAgreement)
      } catch {
        return false
      }
    })
  }

  /**
   * The SignedAgreement registered and still open (not committed, aborted or
   * expired) naming `agentKey` as a side, or null when none is. The caller
   * validates it (validateAgreement) before it relies on it.
   */
  async openAgreement(agentKey: Uint8Array, signal?: AbortSignal): Promise<Uint8Array | null> {
    const r = await this.call({ openAgreement: { agentKey: new Uint8Array(agentKey) } }, signal)
    const a = r.openAgreement ?? null
    if (a === null)
      throw new AnchorRequestError('MALFORMED', 'the anchor answered without the open agreement')
    return a.agreement.length === 0 ? null : a.agreement
  }

  /** Whether a delegation (the SignedDelegation bytes, or its owner and id) is revoked, as the ledger says now. */
  async delegationStatus(
    delegation: Uint8Array | { ownerKey: Uint8Array; id: Uint8Array },
    signal?: AbortSignal,
  ): Promise<DelegationStatusAnswer> {
    const d = delegation instanceof Uint8Array ? readDelegation(delegation) : delegation
    const r = await this.call(
      { delegation: { ownerKey: new Uint8Array(d.ownerKey), delegationId: new Uint8Array(d.id) } },
      signal,
    )
    const s = r.delegation ?? null
    if (s === null)
      throw new AnchorRequestError('MALFORMED', 'the anchor answered without the delegation status')
    return { revoked: s.revoked, revokedAtSeq: s.revoked ? s.revokedAtSeq : null }
  }
}
