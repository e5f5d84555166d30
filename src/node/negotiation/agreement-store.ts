/**
 * The agreements this agent reached, in its database (`agreement/<swap id>`,
 * JSON): the signed agreement as registered, this side, the partner, the
 * terms in brief, and this side's swap secret key (the lifecycle needs it to
 * run the swap; the data dir is the agent's own). States: 'registered' until
 * the agreement expires, 'expired' after (derived from the time), 'resolved'
 * once the anchor showed its swap resolved without this side (it is then no
 * longer held).
 *
 * Also the swap secret keys of terms this side signed and has not seen
 * registered yet (`signed-swap-key/<public key>`, until the terms expire):
 * when the partner registers them and the confirmation never arrives, the
 * agent adopts the agreement from the anchor, and only this key lets it take
 * part in the swap.
 */
import type { Side } from '../../protocols/agreement.js'
import type { Db } from '../../runtime/data-dir.js'

const PREFIX = 'agreement/'
const SIGNED_KEY_PREFIX = 'signed-swap-key/'

/** The swap key pair of terms this side signed: kept until the terms expire. */
export interface SignedSwapKey {
  /** This side's swap public key in the terms, hex. */
  publicKey: string
  /** Its secret key, hex. */
  secretKey: string
  /** The partner's peer id. */
  partner: string
  expiresAtMs: number
}

export interface StoredAgreement {
  swapId: string
  role: Side
  partner: string
  location: string
  partnerLocation: string
  /** Decimal micro-credits. */
  priceMicros: string
  /** Who pays: 'self', 'partner' or null (mutual gain). */
  payer: 'self' | 'partner' | null
  /** This side's stated net gain, decimal micro-credits. */
  statedGainMicros: string
  issuedAtMs: number
  expiresAtMs: number
  registeredAtMs: number
  /** The SignedAgreement, hex. */
  signed: string
  /** This side's swap secret key, hex. */
  swapSecretKey: string
  /** How this agent chose the partner, when its matching did: "matching session <k>". */
  chosenBy?: string
  /** Unix ms this agent learned the swap was resolved at the anchor without it (it is no longer held). */
  resolvedAtMs?: number
}

export type AgreementState = 'registered' | 'expired' | 'resolved'

export interface AgreementView extends Omit<StoredAgreement, 'signed' | 'swapSecretKey'> {
  state: AgreementState
}

export class AgreementStore {
  constructor(private readonly db: Db) {}

  async put(a: StoredAgreement): Promise<void> {
    await this.db.put(`${PREFIX}${a.swapId}`, new TextEncoder().encode(JSON.stringify(a)), {
      sync: true,
    } as never)
  }

  async list(): Promise<StoredAgreement[]> {
    const out: StoredAgreement[] = []
    for await (const [, value] of this.db.iterator({ gte: PREFIX, lt: `${PREFIX}\xff` })) {
      try {
        out.push(JSON.parse(new TextDecoder().decode(value)) as StoredAgreement)
      } catch {
        // a damaged record is skipped, never fatal
      }
    }
    return out.sort((x, y) => x.registeredAtMs - y.registeredAtMs)
  }

  /** The agreement `swapId`, if this agent holds it. */
  async get(swapId: string): Promise<StoredAgreement | null> {
    const v = await this.db.get(`${PREFIX}${swapId}`)
    if (v === undefined) return null
    try {
      return JSON.parse(new TextDecoder().decode(v)) as StoredAgreement
    } catch {
      return null
    }
  }

  /** Keeps the swap key of terms this side signed (durably: it must outlive a crash), dropping expired ones. */
  async keepSignedKey(k: SignedSwapKey, nowMs: number): Promise<void> {
    const stale: string[] = []
    for await (const [key, value] of this.db.iterator({
      gte: SIGNED_KEY_PREFIX,
      lt: `${SIGNED_KEY_PREFIX}\xff`,
    })) {
      const old = parseJson<SignedSwapKey>(value)
      if (old === null || old.expiresAtMs <= nowMs) stale.push(key)
    }
    await this.db.batch(
      [
        ...stale.map((key) => ({ type: 'del' as const, key })),
        {
          type: 'put' as const,
          key: `${SIGNED_KEY_PREFIX}${k.publicKey}`,
          value: new TextEncoder().encode(JSON.stringify(k)),
        },
      ],
      { sync: true } as never,
    )
  }

  /** The signed terms' swap key whose public key is `publicKey` (hex), if still kept. */
  async signedKey(publicKey: string): Promise<SignedSwapKey | null> {
    const v = await this.db.get(`${SIGNED_KEY_PREFIX}${publicKey}`)
    return v === undefined ? null : parseJson<SignedSwapKey>(v)
  }

  /** The agreement still in force, if any (the latest). */
  async inForce(nowMs: number): Promise<StoredAgreement | null> {
    const live = (await this.list()).filter((a) => a.expiresAtMs > nowMs && a.resolvedAtMs === undefined)
    return live.at(-1) ?? null
  }
}

function parseJson<T>(v: Uint8Array): T | null {
  try {
    return JSON.parse(new TextDecoder().decode(v)) as T
  } catch {
    return null
  }
}

/** What `vboom agreements` shows: no secret key, no bytes, the state now. */
export function agreementView(a: StoredAgreement, nowMs: number): AgreementView {
  const { signed: _s, swapSecretKey: _k, ...rest } = a
  const state = a.resolvedAtMs !== undefined ? 'resolved' : a.expiresAtMs > nowMs ? 'registered' : 'expired'
  return { ...rest, state }
}
