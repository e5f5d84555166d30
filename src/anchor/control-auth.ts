/**
 * Ownership-checked control: an owner asks the anchor to act on a location
 * (reboot, snapshot, console, boot the verification image). The request is
 * authorised against the owner of record in the ledger, so once a swap commits
 * or a transfer is recorded the former owner is refused.
 *
 * Rules, cheapest first: size, shape, audience (this anchor), freshness (time
 * bound), replay (nonce seen), owner of record, signature last. A request's
 * nonce is remembered until its time bound passes, so it cannot be used twice.
 * The nonce cache lives in memory: so that a restart does not reopen the
 * window, requests issued before this authorizer was created are refused.
 * Owners build and sign requests with src/protocols/control-request.ts.
 */
import { MAX_CLOCK_SKEW_MS, MAX_LOCATION_LENGTH } from '../protocols/constants.js'
import { CONTROL_NONCE_BYTES, type ControlAction, controlActionOf } from '../protocols/control-request.js'
import { ControlRequest as ControlRequestPb, SignedControlRequest } from '../protocols/proto/ledger.js'
import { SignatureDomain, verify } from '../protocols/signing.js'
import { ControlAuthError } from './errors.js'
import { hex } from './ledger/actions.js'
import type { LocationRecord } from './ledger/state.js'

/** A control request is a few hundred bytes; 1 KiB keeps junk cheap to drop. */
const MAX_CONTROL_REQUEST_BYTES = 1024
/**
 * Nonces held at once. Each lives 2 x MAX_CLOCK_SKEW_MS (60 s); 100k covers
 * ~1.6k requests/s. When full of live nonces, requests are refused rather than
 * forgetting a nonce (which would let it be replayed).
 */
const DEFAULT_REPLAY_CACHE_SIZE = 100_000

export interface ControlRequest {
  location: string
  action: ControlAction
  requesterKey: Uint8Array
  anchorKey: Uint8Array
  nonce: Uint8Array
  issuedAtMs: number
}

/** The owner-of-record lookup control needs; `Ledger` provides it. */
export interface OwnershipView {
  ownerOf(location: string): LocationRecord | null
}

export interface ControlAuthorizerInit {
  ownership: OwnershipView
  anchorPublicKey: Uint8Array
  /** Clock, unix ms. Default `Date.now`. */
  now?: () => number
  /** Accepted distance between the request's time and ours. Default MAX_CLOCK_SKEW_MS (30 s). */
  maxSkewMs?: number
  replayCacheSize?: number
}

export interface AuthorizedControl {
  request: ControlRequest
  /** The owner's record at the time of authorisation. */
  record: LocationRecord
}

const refuse = (code: string, message: string): never => {
  throw new ControlAuthError(code, message)
}

export class ControlAuthorizer {
  private readonly ownership: OwnershipView
  private readonly anchorKey: Buffer
  private readonly now: () => number
  private readonly maxSkewMs: number
  private readonly cacheSize: number
  /** Requests issued before this are refused: their nonces may have been used before a restart. */
  private readonly startedAtMs: number
  /** nonce (hex) -> unix ms after which the request is stale anyway. Insertion order = expiry order, roughly. */
  private readonly seen = new Map<string, number>()

  constructor(init: ControlAuthorizerInit) {
    this.ownership = init.ownership
    this.anchorKey = Buffer.from(init.anchorPublicKey)
    this.now = init.now ?? Date.now
    this.maxSkewMs = init.maxSkewMs ?? MAX_CLOCK_SKEW_MS
    this.cacheSize = init.replayCacheSize ?? DEFAULT_REPLAY_CACHE_SIZE
    this.startedAtMs = this.now()
  }

  /** Authorises a signed request or throws ControlAuthError; a success consumes the nonce. */
  authorize(bytes: Uint8Array): AuthorizedControl {
    // Size before decode.
    if (bytes.length > MAX_CONTROL_REQUEST_BYTES) refuse('TOO_LARGE', `request of ${bytes.length} bytes`)
    let signed: SignedControlRequest
    let pb: ControlRequestPb
    try {
      signed = SignedControlRequest.decode(bytes)
      pb = ControlRequestPb.decode(signed.request)
    } catch (err) {
      throw new ControlAuthError('MALFORMED', 'request does not decode', { cause: err })
    }
    // Shape.
    const action = controlActionOf(pb.action) ?? refuse('MALFORMED', 'unknown control action')
    if (pb.location.length === 0 || pb.location.length > MAX_LOCATION_LENGTH)
      refuse('MALFORMED', 'bad location')
    if (pb.nonce.length !== CONTROL_NONCE_BYTES)
      refuse('MALFORMED', `nonce must have ${CONTROL_NONCE_BYTES} bytes`)
    if (pb.requesterKey.length !== 32) refuse('MALFORMED', 'requester key must have 32 bytes')
    // Audience: addressed to this anchor.
    if (!this.anchorKey.equals(Buffer.from(pb.anchorKey)))
      refuse('WRONG_AUDIENCE', 'request addressed to another anchor')
    // Freshness: within the time bound either side of our clock.
    const now = this.now()
    const issuedAtMs = Number(pb.issuedAtMs)
    if (issuedAtMs > now + this.maxSkewMs) refuse('FUTURE', 'request issued in the future')
    if (issuedAtMs < now - this.maxSkewMs) refuse('STALE', 'request too old')
    // Costs a client whose clock runs behind at most maxSkewMs of retries after an anchor restart.
    if (issuedAtMs < this.startedAtMs)
      refuse('BEFORE_START', 'request issued before the anchor (re)started; retry')
    // Replay: each nonce once while the request is fresh.
    const nonce = hex(pb.nonce)
    this.prune(now)
    if (this.seen.has(nonce)) refuse('REPLAY', 'request already used')
    // Owner of record, now.
    const record =
      this.ownership.ownerOf(pb.location) ?? refuse('UNKNOWN_LOCATION', `no location ${pb.location}`)
    if (!Buffer.from(record.owner).equals(Buffer.from(pb.requesterKey))) {
      refuse('NOT_OWNER', `requester is not the owner of record of ${pb.location}`)
    }
    // Signature last: the most expensive check.
    if (!verify(SignatureDomain.controlRequest, signed.request, signed.signature, pb.requesterKey)) {
      refuse('BAD_SIGNATURE', 'signature does not verify')
    }
    if (this.seen.size >= this.cacheSize) refuse('BUSY', 'replay cache full; retry shortly')
    this.seen.set(nonce, issuedAtMs + this.maxSkewMs)
    return {
      request: {
        location: pb.location,
        action,
        requesterKey: pb.requesterKey,
        anchorKey: pb.anchorKey,
        nonce: pb.nonce,
        issuedAtMs,
      },
      record,
    }
  }

  /** Forgets nonces whose requests would be refused as stale anyway. */
  private prune(now: number): void {
    for (const [nonce, expiry] of this.seen) {
      if (expiry >= now) {
        // Not strictly ordered (clients' clocks differ); a full sweep runs when the cache is full.
        if (this.seen.size < this.cacheSize) return
        continue
      }
      this.seen.delete(nonce)
    }
  }
}
