/**
 * The ledger over the network (/vboom/anchor-ledger/1.0.0): parties submit
 * the actions they signed, agents register the swap agreements they signed,
 * anyone asks whether a delegation is revoked (partners ask before they
 * accept). Each request is answered from the ledger; every refusal is a
 * typed error (LedgerActionError, AgreementError, DelegationError) that
 * services.ts turns into the response's failure and counts.
 *
 * Which kinds a party may submit over the network, and why the others not:
 * owner registration (self-signed), ownership transfer (both owners sign),
 * payment (the payer signs), delegation revocation (the owner signs), and a
 * swap agreement (the agents sign its terms). A location is registered by the
 * anchor's operator (its local control socket): the network cannot vouch that
 * a provider's instance id is the signer's. COMMIT and ABORT are the
 * coordinator's decisions (the ledger refuses them from anyone else).
 */
import { DELEGATION_ID_BYTES } from '../protocols/constants.js'
import type { ActionKind } from '../protocols/ledger-action.js'
import { LedgerRequest, type LedgerResponse } from '../protocols/proto/anchor.js'
import { LedgerActionError } from './errors.js'
import { decodeAction } from './ledger/actions.js'
import { KEY_BYTES } from './ledger/constants.js'
import type { Ledger, LedgerEntryView } from './ledger/index.js'

/** Kinds a party may submit over the network (see the header). */
export const NETWORK_SUBMITTABLE: ReadonlySet<ActionKind> = new Set<ActionKind>([
  'owner-registered',
  'ownership-transferred',
  'payment-recorded',
  'delegation-revoked',
  'swap-agreed',
])

const refuse = (code: string, message: string): never => {
  throw new LedgerActionError(code, message)
}

const appended = (e: LedgerEntryView): LedgerResponse => ({
  appended: { seq: e.seq, entry: new Uint8Array(e.raw) },
})

/** Answers one request; throws a typed error for a refusal. */
export async function answerLedgerRequest(
  ledger: Ledger,
  bytes: Uint8Array,
  onAppended?: (e: LedgerEntryView) => void,
): Promise<LedgerResponse> {
  let req: LedgerRequest
  try {
    // The request's size is bounded by the transport (MAX_LEDGER_REQUEST_BYTES); the ledger bounds the parties.
    req = LedgerRequest.decode(bytes)
  } catch (err) {
    throw new LedgerActionError('MALFORMED_REQUEST', 'ledger request does not decode', { cause: err })
  }
  if (req.submit !== undefined) {
    // Rule: only the kinds a party may submit (the header says why).
    const kind = decodeAction(req.submit.action).body.kind
    if (!NETWORK_SUBMITTABLE.has(kind))
      refuse(
        'NOT_SUBMITTABLE',
        kind === 'location-registered'
          ? "locations are registered by the anchor's operator, not over the network"
          : `${kind} is decided by the anchor, not submitted`,
      )
    const entry = await ledger.append({ action: req.submit.action, parties: req.submit.parties })
    onAppended?.(entry)
    return appended(entry)
  }
  if (req.registerAgreement !== undefined) {
    const entry = await ledger.registerAgreement(req.registerAgreement)
    onAppended?.(entry)
    return appended(entry)
  }
  if (req.delegation !== undefined) {
    const q = req.delegation
    if (q.ownerKey.length !== KEY_BYTES || q.delegationId.length !== DELEGATION_ID_BYTES)
      refuse('MALFORMED_REQUEST', 'a delegation query names an owner key and a delegation id')
    const seq = ledger.revokedAt(q.ownerKey, q.delegationId)
    return { delegation: { revoked: seq !== null, revokedAtSeq: seq ?? 0n } }
  }
  if (req.openAgreement !== undefined) {
    // Rule: an agent key is a raw Ed25519 public key.
    if (req.openAgreement.agentKey.length !== KEY_BYTES)
      refuse('MALFORMED_REQUEST', `an open-agreement query names an agent key of ${KEY_BYTES} bytes`)
    const agreement = await ledger.openAgreementOf(req.openAgreement.agentKey)
    return { openAgreement: { agreement: new Uint8Array(agreement ?? []) } }
  }
  return refuse('MALFORMED_REQUEST', 'the ledger request is empty')
}
