/**
 * The agreements this agent reached, in its database (`agreement/<swap id>`,
 * JSON): the signed agreement as registered, this side, the partner, the
 * terms in brief, and this side's swap secret key (the lifecycle needs it to
 * run the swap; the data dir is the agent's own). States: 'registered' until
 * the agreement expires, 'expired' after (derived from the time).
 */
import type { Side } from '../../protocols/agreement.js'
import type { Db } from '../../runtime/data-dir.js'

const PREFIX = 'agreement/'

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
}

export type AgreementState = 'registered' | 'expired'

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

  /** The agreement still in force, if any (the latest). */
  async inForce(nowMs: number): Promise<StoredAgreement | null> {
    const live = (await this.list()).filter((a) => a.expiresAtMs > nowMs)
    return live.at(-1) ?? null
  }
}

/** What `vboom agreements` shows: no secret key, no bytes, the state now. */
export function agreementView(a: StoredAgreement, nowMs: number): AgreementView {
  const { signed: _s, swapSecretKey: _k, ...rest } = a
  return { ...rest, state: a.expiresAtMs > nowMs ? 'registered' : 'expired' }
}
