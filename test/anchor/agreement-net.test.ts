/**
 * Agreements through a real anchor process: agents register a signed
 * agreement over the ledger protocol and it ends in the ledger signed by both
 * agents; the stateless swappers' swap keys drive the coordinator to the
 * commit, which records the price; an owner revokes a delegation over the
 * network and the anchor then refuses what comes under it; forgeries are
 * refused and counted in the anchor's metrics, read (like the ledger) over
 * its control socket while it runs.
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import t from 'tap'
import { queryRunningAnchor, runningAnchorMetrics } from '../../src/anchor/control-client.js'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import { AnchorLedgerClient } from '../../src/node/anchor-client.js'
import { AnchorCoordinatorClient } from '../../src/node/anchor-coordinator-client.js'
import { readAgreement } from '../../src/protocols/agreement.js'
import { readDelegation } from '../../src/protocols/delegation.js'
import { buildSignedAction } from '../../src/protocols/ledger-action.js'
import { freePort } from '../../src/runtime/free-port.js'
import { agreement, keys, party } from '../protocols/agreement-fixtures.js'
import { CLASS, registerLocation, registerOwner } from './helpers.js'
import { clientNode, killHard, startAnchorProcess } from './net-helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test('agreements, swap keys, payments and revocations through an anchor process', async (t) => {
  const dir = t.testdir()
  // The world, written before the anchor starts: three owners, a location each.
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey })
  const alice = await registerOwner(ledger, 'alice')
  const bob = await registerOwner(ledger, 'bob')
  const carol = await registerOwner(ledger, 'carol')
  const vmA = await registerLocation(ledger, 'loc-a', alice)
  const vmB = await registerLocation(ledger, 'loc-b', bob)
  const vmC = await registerLocation(ledger, 'loc-c', carol)
  await ledger.close()

  const anchor = await startAnchorProcess(dir, await freePort())
  t.teardown(() => killHard(anchor))
  t.equal(hex(anchor.anchorKey), hex(anchorKey.publicKey))
  const node = await clientNode()
  t.teardown(() => node.stop())
  const client = new AnchorLedgerClient({ node, anchor: anchor.addrs, anchorKey: anchor.anchorKey })

  // A forgery: b's agent never signed.
  const a = party('loc-a', alice, vmA)
  const b = party('loc-b', bob, vmB)
  const forged = agreement(a, { ...b, agent: { ...vmB, secretKey: keys().secretKey } }, anchor.anchorKey)
  await t.rejects(client.registerAgreement(forged), { name: 'AnchorRequestError', code: 'BAD_SIGNATURE' })
  // A location cannot be registered over the network.
  const mallory = keys()
  const claim = buildSignedAction(
    {
      kind: 'location-registered',
      location: 'loc-x',
      owner: alice.publicKey,
      vm: mallory.publicKey,
      instanceClass: CLASS,
    },
    [alice],
  )
  await t.rejects(client.submit(claim), { code: 'NOT_SUBMITTABLE' })

  // A priced agreement: side a pays 0.4 credits. Registered, checked against the anchor key.
  const signed = agreement(a, b, anchor.anchorKey, { priceMicros: 400_000n, payer: 'a' })
  const swapId = hex(readAgreement(signed).swapId)
  const appended = await client.registerAgreement(signed)
  const entries = await queryRunningAnchor(dir, `/entries?from=${appended.seq}`)
  const [entry] = entries.json as Array<{ kind: string; signers: string[]; body: { swapId: string } }>
  t.equal(entry!.kind, 'swap-agreed')
  t.equal(entry!.body.swapId, swapId)
  t.same(
    entry!.signers,
    [hex(vmA.publicKey), hex(vmB.publicKey)],
    'the ledger entry carries both agents’ signatures',
  )

  // The stateless swappers call the coordinator with their swap keys.
  const coordinator = (key: { secretKey: Uint8Array; publicKey: Uint8Array }) =>
    new AnchorCoordinatorClient({ node, anchor: anchor.addrs, key })
  await t.rejects(coordinator(b.swap).prepare(swapId, 'a'), { name: 'CoordinatorNotPartyError' })
  await t.rejects(coordinator(keys()).status(swapId), { name: 'CoordinatorNotPartyError' })
  t.same((await coordinator(a.swap).prepare(swapId, 'a')).prepared, { a: true, b: false })
  t.same((await coordinator(b.swap).prepare(swapId, 'b')).prepared, { a: true, b: true })
  t.equal((await coordinator(b.swap).commit(swapId)).decision, 'committed')
  const swap = await queryRunningAnchor(dir, `/swap?id=${swapId}`)
  t.match(swap.json, { status: 'committed', payer: 'a', priceMicros: '400000' })
  const owner = await queryRunningAnchor(dir, '/owner?location=loc-a')
  t.match(owner.json, { owner: hex(bob.publicKey), vm: hex(vmB.publicKey) }, 'the commit moved loc-a to bob')
  const balances = (await queryRunningAnchor(dir, '/balances')).json as {
    owners: Array<{ owner: string; balanceMicros: string }>
    totalCreditsMicros: string
    totalDebitsMicros: string
  }
  t.same(
    Object.fromEntries(balances.owners.map((o) => [o.owner, o.balanceMicros])),
    { [hex(alice.publicKey)]: '-400000', [hex(bob.publicKey)]: '400000' },
    'alice paid bob the price',
  )
  t.equal(balances.totalCreditsMicros, balances.totalDebitsMicros)

  // Carol and alice agree (loc-b holds alice's VM now); carol revokes her delegation before the swap commits.
  const c = party('loc-c', carol, vmC)
  const ab = party('loc-b', alice, vmA)
  const open = agreement(c, ab, anchor.anchorKey)
  const openId = hex(readAgreement(open).swapId)
  await client.registerAgreement(open)
  t.same(await client.delegationStatus(c.delegation), { revoked: false, revokedAtSeq: null })
  const d = readDelegation(c.delegation)
  await t.rejects(
    client.submit(
      buildSignedAction({ kind: 'delegation-revoked', delegationId: d.id, owner: carol.publicKey }, [alice]),
    ),
    { code: 'MISSING_SIGNATURE' },
    "alice cannot revoke carol's delegation",
  )
  const revoked = await client.submit(
    buildSignedAction({ kind: 'delegation-revoked', delegationId: d.id, owner: carol.publicKey }, [carol]),
  )
  t.same(await client.delegationStatus(c.delegation), { revoked: true, revokedAtSeq: revoked.seq })
  t.match(
    (await queryRunningAnchor(dir, `/swap?id=${openId}`)).json,
    { status: 'aborted' },
    'the open swap aborted',
  )
  t.equal((await coordinator(c.swap).status(openId)).decision, 'aborted', 'and its swappers hear so')
  const underRevoked = agreement({ ...c, swap: keys() }, { ...ab, swap: keys() }, anchor.anchorKey)
  await t.rejects(client.registerAgreement(underRevoked), { name: 'AnchorRequestError', code: 'REVOKED' })

  // The anchor counted each refusal by its rule.
  const metrics = await runningAnchorMetrics(dir)
  t.match(metrics, /vboom_anchor_ledger_refused_total\{reason="AgreementError\.BAD_SIGNATURE"\} 1/)
  t.match(metrics, /vboom_anchor_ledger_refused_total\{reason="DelegationError\.REVOKED"\} 1/)
  t.match(metrics, /vboom_anchor_ledger_refused_total\{reason="LedgerActionError\.NOT_SUBMITTABLE"\} 1/)
  t.match(metrics, /vboom_anchor_ledger_refused_total\{reason="LedgerActionError\.MISSING_SIGNATURE"\} 1/)
  t.match(metrics, /vboom_anchor_ledger_appended_total\{kind="swap-agreed"\} 2/)
})
