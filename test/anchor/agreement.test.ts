/**
 * Swap agreements at the anchor, in process: registered under the agents'
 * signatures after the ledger's checks (owners and VMs of record, free
 * locations, one class, no revoked delegation) and the agreement's own
 * validator; refused with typed errors otherwise. A revocation aborts the
 * swaps agreed under it; a priced swap's commit records its payment and the
 * balances add up; the coordinator accepts the swap keys; the chain replays.
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import { Level } from 'level'
import t, { type Test } from 'tap'
import { AnchorCoordinator } from '../../src/anchor/coordinator.js'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger, verifyLedger } from '../../src/anchor/ledger/index.js'
import { REVOKED_REASON } from '../../src/anchor/ledger/state.js'
import { readDelegation } from '../../src/protocols/delegation.js'
import { agreementRegistration } from '../../src/protocols/ledger-action.js'
import { agreement, CLASS, HOUR, party } from '../protocols/agreement-fixtures.js'
import { agreeSwapWith, keys, registerLocation, registerOwner, signed } from './helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

async function world(t: Test, now?: () => number) {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey, now })
  const db = new Level<string, Uint8Array>(join(dir, 'db'), { valueEncoding: 'view' })
  await db.open()
  t.teardown(async () => {
    await ledger.close()
    await db.close()
  })
  const alice = await registerOwner(ledger, 'alice')
  const bob = await registerOwner(ledger, 'bob')
  const vmA = await registerLocation(ledger, 'loc-a', alice)
  const vmB = await registerLocation(ledger, 'loc-b', bob)
  return { dir, anchorKey, ledger, coordinator: new AnchorCoordinator(ledger, db), alice, bob, vmA, vmB }
}

t.test('an agreement is registered under both agents, and its swap keys act for their sides', async (t) => {
  const w = await world(t)
  const r = await agreeSwapWith(
    w.ledger,
    { location: 'loc-a', owner: w.alice, vm: w.vmA },
    { location: 'loc-b', owner: w.bob, vm: w.vmB },
  )
  const entry = (await w.ledger.history('loc-a')).at(-1)!
  t.equal(entry.kind, 'swap-agreed')
  t.same(entry.signers.map(hex), [hex(w.vmA.publicKey), hex(w.vmB.publicKey)], 'signed by both agents')
  const s = w.ledger.swapState(r.swapId)!
  t.equal(hex(s.swapKeyA), hex(r.swapA.publicKey))
  t.equal(s.payer, null)
  const id = hex(r.swapId)
  // The coordinator: each side's swap key or VM key acts for that side only.
  t.doesNotThrow(() => w.coordinator.authorize(id, r.swapA.publicKey, 'a'))
  t.doesNotThrow(() => w.coordinator.authorize(id, w.vmB.publicKey, 'b'))
  t.doesNotThrow(() => w.coordinator.authorize(id, r.swapB.publicKey))
  t.throws(() => w.coordinator.authorize(id, r.swapA.publicKey, 'b'), { name: 'CoordinatorNotPartyError' })
  t.throws(() => w.coordinator.authorize(id, keys().publicKey), { name: 'CoordinatorNotPartyError' })
  t.equal((await w.coordinator.prepare(id, 'a')).prepared.a, true)
  t.equal((await w.coordinator.prepare(id, 'b')).prepared.b, true)
  t.equal((await w.coordinator.commit(id)).decision, 'committed')
  t.equal(hex(w.ledger.ownerOf('loc-a')!.vm), hex(w.vmB.publicKey), 'the VMs traded places')
  t.same(w.ledger.balances().owners, [], 'a swap of mutual gain moves no money')
  // Replayed: the same signed agreement again.
  await t.rejects(w.ledger.registerAgreement(r.agreement), { name: 'LedgerActionError', code: 'SWAP_EXISTS' })
})

t.test('the anchor refuses agreements the ledger contradicts, or that break a rule', async (t) => {
  const w = await world(t)
  const pa = () => party('loc-a', w.alice, w.vmA)
  const pb = () => party('loc-b', w.bob, w.vmB)
  const key = w.anchorKey.publicKey
  const register = (bytes: Uint8Array) => w.ledger.registerAgreement(bytes)

  const mallory = keys()
  await t.rejects(
    register(agreement(party('loc-a', mallory, w.vmA), pb(), key)),
    { code: 'NOT_OWNER' },
    'an owner not of record',
  )
  await t.rejects(
    register(agreement(party('loc-a', w.alice, keys()), pb(), key)),
    { code: 'WRONG_VM' },
    'an agent not in the location',
  )
  await t.rejects(register(agreement(pa(), party('loc-z', w.bob, w.vmB), key)), { code: 'UNKNOWN_LOCATION' })
  await t.rejects(register(agreement(pa(), pb(), keys().publicKey)), {
    name: 'AgreementError',
    code: 'WRONG_ANCHOR',
  })
  await t.rejects(
    register(agreement(pa(), pb(), key, { instanceClass: { ...CLASS, diskBytes: 1n } })),
    { name: 'AgreementError', code: 'CLASS_MISMATCH' },
    'a class other than the locations',
  )
  await t.rejects(
    register(
      agreement(pa(), pb(), key, { issuedAtMs: Date.now() - 2 * HOUR, expiresAtMs: Date.now() - HOUR }),
    ),
    { name: 'AgreementError', code: 'EXPIRED' },
  )
  // Forged: b's agent never signed.
  const forged = agreement(pa(), { ...pb(), agent: { ...w.vmB, secretKey: keys().secretKey } }, key)
  await t.rejects(register(forged), { name: 'AgreementError', code: 'BAD_SIGNATURE', side: 'b' })
  // A registration built by hand must restate its agreement and carry exactly its signatures.
  const good = agreement(pa(), pb(), key)
  const reg = agreementRegistration(good)
  await t.rejects(
    w.ledger.append({ action: reg.action, parties: [reg.parties[0]!] }),
    { code: 'WRONG_SIGNERS' },
    'one agent only',
  )
  await t.rejects(
    w.ledger.append({
      action: reg.action,
      parties: [reg.parties[0]!, { ...reg.parties[1]!, signature: reg.parties[0]!.signature }],
    }),
    { code: 'BAD_SIGNATURE' },
    "a party signature that is not the agent's on the agreement",
  )
  const owners = signed(
    {
      kind: 'swap-agreed',
      swapId: new Uint8Array(32),
      locationA: 'loc-a',
      locationB: 'loc-b',
      ownerA: w.alice.publicKey,
      ownerB: w.bob.publicKey,
      vmA: w.vmA.publicKey,
      vmB: w.vmB.publicKey,
      agreement: good,
    },
    w.alice,
    w.bob,
  )
  await t.rejects(w.ledger.append(owners), { code: 'SWAP_ID_MISMATCH' }, 'a swap id chosen by the parties')
  // The agreement as given registers; then the locations are busy.
  await w.ledger.append(reg)
  await t.rejects(register(agreement(pa(), pb(), key)), { code: 'LOCATION_BUSY' })
})

t.test('a revoked delegation: nothing more under it, and its open swaps abort', async (t) => {
  const w = await world(t)
  const r = await agreeSwapWith(
    w.ledger,
    { location: 'loc-a', owner: w.alice, vm: w.vmA },
    { location: 'loc-b', owner: w.bob, vm: w.vmB },
  )
  const d = readDelegation(r.parties[1].delegation)
  const revoke = signed({ kind: 'delegation-revoked', delegationId: d.id, owner: w.bob.publicKey }, w.bob)
  await t.rejects(
    w.ledger.append(
      signed({ kind: 'delegation-revoked', delegationId: d.id, owner: w.bob.publicKey }, w.alice),
    ),
    { code: 'MISSING_SIGNATURE' },
    'only the owner revokes its delegation',
  )
  const stranger = keys()
  await t.rejects(
    w.ledger.append(
      signed({ kind: 'delegation-revoked', delegationId: d.id, owner: stranger.publicKey }, stranger),
    ),
    { code: 'UNKNOWN_OWNER' },
  )
  const entry = await w.ledger.append(revoke)
  t.equal(w.ledger.revokedAt(w.bob.publicKey, d.id), entry.seq)
  t.equal(w.ledger.revokedAt(w.alice.publicKey, d.id), null, 'an id is revoked for its owner only')
  const s = w.ledger.swapState(r.swapId)!
  t.equal(s.status, 'aborted', 'the swap agreed under it aborted')
  t.equal(s.reason, REVOKED_REASON)
  t.equal(s.resolvedSeq, entry.seq)
  t.equal(w.ledger.ownerOf('loc-a')!.openSwap, null, 'the locations are free again')
  t.equal((await w.coordinator.status(hex(r.swapId))).decision, 'aborted', 'the coordinator says so')
  await t.rejects(
    w.ledger.append(
      signed({ kind: 'delegation-revoked', delegationId: d.id, owner: w.bob.publicKey }, w.bob),
    ),
    {
      code: 'ALREADY_REVOKED',
    },
  )
  // A new agreement under the revoked delegation is refused, naming the side.
  const again = agreement(
    party('loc-a', w.alice, w.vmA),
    { ...r.parties[1], swap: keys() },
    w.anchorKey.publicKey,
  )
  await t.rejects(w.ledger.registerAgreement(again), { name: 'DelegationError', code: 'REVOKED', side: 'b' })
  // A new delegation from the same owner works.
  await agreeSwapWith(
    w.ledger,
    { location: 'loc-a', owner: w.alice, vm: w.vmA },
    { location: 'loc-b', owner: w.bob, vm: w.vmB },
  )
  await w.ledger.close()
  const report = await verifyLedger(join(w.dir, 'ledger'), w.anchorKey.publicKey)
  t.match(report, { ok: true }, 'the chain with its revocation replays')
})

t.test('a priced swap pays with its commit; balances add up; an expired one cannot commit', async (t) => {
  let clock = Date.now()
  const w = await world(t, () => clock)
  const r = await agreeSwapWith(
    w.ledger,
    { location: 'loc-a', owner: w.alice, vm: w.vmA },
    { location: 'loc-b', owner: w.bob, vm: w.vmB },
    { priceMicros: 250_000n, payer: 'a' },
  )
  const id = hex(r.swapId)
  await w.coordinator.prepare(id, 'a')
  await w.coordinator.prepare(id, 'b')
  t.equal((await w.coordinator.commit(id)).decision, 'committed')
  const commit = (await w.ledger.history('loc-a')).at(-1)!
  t.equal(commit.kind, 'swap-committed')
  t.match(commit.action.body, { payment: { amountMicros: 250_000n } }, 'the payment is in the COMMIT entry')
  const b1 = w.ledger.balances()
  const of = (k: Uint8Array) => b1.owners.find((o) => hex(o.owner) === hex(k))!
  t.equal(of(w.alice.publicKey).debitsMicros, 250_000n, 'the payer side paid')
  t.equal(of(w.bob.publicKey).creditsMicros, 250_000n, 'the payee side received')
  t.equal(b1.totalCreditsMicros, b1.totalDebitsMicros, 'credits equal debits')
  // A payment outside a swap counts too.
  await w.ledger.append(
    signed(
      {
        kind: 'payment-recorded',
        payer: w.bob.publicKey,
        payee: w.alice.publicKey,
        amountMicros: 1_000n,
        swapId: null,
        memo: 'thanks',
      },
      w.bob,
    ),
  )
  const b2 = w.ledger.balances()
  t.equal(b2.totalCreditsMicros, 251_000n)
  t.equal(b2.totalCreditsMicros, b2.totalDebitsMicros)
  // Both vote after the agreement expired: the coordinator aborts instead of committing.
  const late = await agreeSwapWith(
    w.ledger,
    { location: 'loc-a', owner: w.bob, vm: w.vmB },
    { location: 'loc-b', owner: w.alice, vm: w.vmA },
    { priceMicros: 5n, payer: 'b' },
  )
  const lateId = hex(late.swapId)
  await w.coordinator.prepare(lateId, 'a')
  await w.coordinator.prepare(lateId, 'b')
  clock += 2 * HOUR
  const s = await w.coordinator.commit(lateId)
  t.equal(s.decision, 'aborted')
  t.match(s.reason, /expired/)
  t.equal(w.ledger.balances().totalCreditsMicros, 251_000n, 'an aborted swap pays nothing')
  await t.rejects(w.ledger.commitSwap(late.swapId), { code: 'SWAP_RESOLVED' })
})
