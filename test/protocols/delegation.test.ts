/**
 * Delegations: an owner's signed authorisation of a VM's agent key. Forged,
 * altered, expired, not yet valid, misdirected and oversized ones are
 * refused with DelegationError and the code of the rule.
 */
import t from 'tap'
import {
  DELEGATION_ID_BYTES,
  MAX_DELEGATION_BYTES,
  MAX_DELEGATION_TTL_MS,
} from '../../src/protocols/constants.js'
import {
  delegationHash,
  delegationKey,
  newDelegationId,
  readDelegation,
  signDelegation,
  validateDelegation,
} from '../../src/protocols/delegation.js'
import { Delegation as DelegationPb, SignedDelegation } from '../../src/protocols/proto/delegation.js'
import { DAY, delegate, HOUR, keys } from './agreement-fixtures.js'

const now = Date.now()
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test('a delegation signed by its owner validates and says what it allows', async (t) => {
  const owner = keys()
  const agent = keys()
  const id = newDelegationId()
  const bytes = delegate(owner, agent.publicKey, {
    id,
    nowMs: now,
    limits: { maxPriceMicros: 2_000_000n, minGainMicros: 50_000n, mayAcceptPayment: false },
  })
  const d = validateDelegation(bytes, { atMs: now, agentKey: agent.publicKey, ownerKey: owner.publicKey })
  t.equal(hex(d.id), hex(id))
  t.equal(d.id.length, DELEGATION_ID_BYTES)
  t.equal(hex(d.agentKey), hex(agent.publicKey))
  t.same(d.limits, { maxPriceMicros: 2_000_000n, minGainMicros: 50_000n, mayAcceptPayment: false })
  t.equal(hex(d.hash), hex(delegationHash(bytes)), 'the hash names exactly these bytes')
  t.equal(delegationKey(owner.publicKey, id), `${hex(owner.publicKey)}/${hex(id)}`)
  t.same(readDelegation(bytes).limits, d.limits, 'readDelegation decodes without checking')
})

t.test('forged, altered, misdirected, expired and malformed delegations are refused', async (t) => {
  const owner = keys()
  const agent = keys()
  const good = delegate(owner, agent.publicKey, { nowMs: now })
  const ctx = { atMs: now, agentKey: agent.publicKey }
  const refused = (
    bytes: Uint8Array,
    code: string,
    what: string,
    c: Parameters<typeof validateDelegation>[1] = ctx,
  ) => t.throws(() => validateDelegation(bytes, c), { name: 'DelegationError', code }, what)

  // Forged: signed by someone else in the owner's name.
  const mallory = keys()
  const env = SignedDelegation.decode(good)
  const forged = SignedDelegation.encode({
    delegation: env.delegation,
    signature: SignedDelegation.decode(delegate(mallory, agent.publicKey)).signature,
  })
  refused(forged, 'BAD_SIGNATURE', 'a signature by another key')
  // Altered: the limits raised after signing.
  const pb = DelegationPb.decode(env.delegation)
  const raised = SignedDelegation.encode({
    delegation: DelegationPb.encode({ ...pb, limits: { ...pb.limits!, maxPriceMicros: 10n ** 12n } }),
    signature: env.signature,
  })
  refused(raised, 'BAD_SIGNATURE', 'limits altered after signing')
  // Misdirected: another agent uses it, or it comes from another owner than expected.
  refused(good, 'WRONG_AGENT', 'another agent', { atMs: now, agentKey: keys().publicKey })
  refused(good, 'WRONG_OWNER', 'another owner', { atMs: now, ownerKey: mallory.publicKey })
  // Time.
  const err = t.throws(() => validateDelegation(good, { atMs: now + 31 * DAY }))
  t.match(err, { name: 'DelegationError', code: 'EXPIRED', action: 'IGNORE' }, 'used after expiry')
  refused(
    delegate(owner, agent.publicKey, { notBeforeMs: now + HOUR, expiresAtMs: now + DAY }),
    'NOT_YET_VALID',
    'used before not-before',
  )
  refused(
    delegate(owner, agent.publicKey, { notBeforeMs: now, expiresAtMs: now + MAX_DELEGATION_TTL_MS + 1 }),
    'BAD_LIFETIME',
    'a lifetime over the bound',
  )
  refused(
    delegate(owner, agent.publicKey, { notBeforeMs: now, expiresAtMs: now }),
    'BAD_LIFETIME',
    'empty lifetime',
  )
  // Shape.
  refused(delegate(owner, owner.publicKey), 'SELF_DELEGATION', 'an owner delegating to its own key')
  refused(new Uint8Array(MAX_DELEGATION_BYTES + 1), 'OVERSIZED', 'oversized')
  refused(new Uint8Array([0xff, 0xff, 0xff]), 'MALFORMED', 'junk')
  const shortId = SignedDelegation.encode({
    delegation: DelegationPb.encode({ ...pb, id: new Uint8Array(4) }),
    signature: env.signature,
  })
  refused(shortId, 'MALFORMED', 'a short id')
  // The signer must be the owner the delegation names.
  t.throws(
    () =>
      signDelegation(
        { ...readDelegation(good), id: newDelegationId() },
        { secretKey: mallory.secretKey, publicKey: mallory.publicKey },
      ),
    { name: 'SigningKeyError', code: 'WRONG_SIGNING_KEY' },
  )
})
