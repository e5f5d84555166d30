/**
 * The anchor attestations this VM's adverts carry.
 *
 * An owner obtains an attestation from the anchor (verification) and hands it
 * to the agent; the agent checks it exactly as receivers will (trusted anchor,
 * this VM, this location, unexpired, its own claims within tolerance), keeps
 * it in its database so a restart keeps it, and the publisher attaches the
 * unexpired ones to every advert. A newer attestation replaces the older one.
 */

import type { Advert } from '../protocols/advert.js'
import { type Attestation, checkAdvertAttestations, decodeAttestation } from '../protocols/attestation.js'
import { UsageError, ValidationError } from '../protocols/errors.js'
import type { Bytes } from '../protocols/signing.js'
import type { Db } from '../runtime/data-dir.js'

const KEY = 'advert/attestation'

interface HeldAttestation {
  bytes: Bytes
  attestation: Attestation
}

export class AttestationStore {
  private held?: HeldAttestation

  constructor(
    private readonly db: Db,
    private readonly trustedAnchorKey: Uint8Array | undefined,
    private readonly tolerance: number,
  ) {}

  /** Loads the stored attestation if it still checks (the anchor key may have changed since). */
  async load(advertFor: (attestations: Bytes[]) => Advert): Promise<void> {
    const bytes = await this.db.get(KEY)
    if (bytes === undefined) return
    try {
      this.held = this.check(new Uint8Array(bytes) as Bytes, advertFor)
    } catch {
      await this.db.del(KEY)
    }
  }

  /** Checks and keeps an attestation; throws a one-line error a user can act on. */
  async add(bytes: Bytes, advertFor: (attestations: Bytes[]) => Advert): Promise<Attestation> {
    let held: HeldAttestation
    try {
      held = this.check(bytes, advertFor)
    } catch (err) {
      if (err instanceof ValidationError) {
        throw new UsageError(
          err.code,
          `attestation refused: ${err.message}; ask the anchor to verify this VM again`,
        )
      }
      throw err
    }
    await this.db.put(KEY, bytes, { sync: true })
    this.held = held
    return held.attestation
  }

  /** The attestations to carry now (expired ones are dropped, not sent). */
  current(nowMs: number): Bytes[] {
    const h = this.held
    return h !== undefined && h.attestation.expiresAtMs > nowMs ? [h.bytes] : []
  }

  private check(bytes: Bytes, advertFor: (attestations: Bytes[]) => Advert): HeldAttestation {
    if (this.trustedAnchorKey === undefined) {
      throw new UsageError(
        'NO_ANCHOR_KEY',
        "this agent has no anchorKey in its config, so it cannot check attestations; add the anchor's key (printed by `vboom anchor run`)",
      )
    }
    const attestation = decodeAttestation(bytes, this.trustedAnchorKey)
    // The same rules receivers apply, so we never publish an advert they would reject.
    checkAdvertAttestations(advertFor([bytes]), {
      trustedAnchorKey: this.trustedAnchorKey,
      nowMs: Date.now(),
      tolerance: this.tolerance,
    })
    return { bytes, attestation }
  }
}
