import { join } from 'node:path'
import t from 'tap'
import { ControlAuthorizer } from '../../src/anchor/control-auth.js'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import { signControlRequest } from '../../src/protocols/control-request.js'
import { SignedControlRequest } from '../../src/protocols/proto/ledger.js'
import { agreeSwap, keys, registerLocation, registerOwner } from './helpers.js'

t.test('control requests are authorised against the owner of record', async (t) => {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey })
  t.teardown(() => ledger.close())
  const alice = await registerOwner(ledger, 'alice')
  const bob = await registerOwner(ledger, 'bob')
  const vmA = await registerLocation(ledger, 'i-a', alice)
  const vmB = await registerLocation(ledger, 'i-b', bob)
  let now = Date.now()
  const auth = new ControlAuthorizer({
    ownership: ledger,
    anchorPublicKey: anchorKey.publicKey,
    now: () => now,
  })
  const req = (
    location: string,
    owner: typeof alice,
    extra: { nowMs?: number; anchorKey?: Uint8Array } = {},
  ) =>
    signControlRequest(
      {
        location,
        action: 'snapshot',
        anchorKey: extra.anchorKey ?? anchorKey.publicKey,
        nowMs: extra.nowMs ?? now,
      },
      owner,
    )

  // Owner allowed.
  const ok = auth.authorize(req('i-a', alice))
  t.equal(ok.request.action, 'snapshot')
  t.equal(ok.request.location, 'i-a')
  // Stranger refused: a registered owner of another location, and an unknown key.
  t.throws(() => auth.authorize(req('i-a', bob)), { name: 'ControlAuthError', code: 'NOT_OWNER' })
  t.throws(() => auth.authorize(req('i-a', keys())), { name: 'ControlAuthError', code: 'NOT_OWNER' })
  t.throws(() => auth.authorize(req('i-zzz', alice)), { code: 'UNKNOWN_LOCATION' })
  // A request naming alice's key but signed by someone else.
  const forged = SignedControlRequest.decode(req('i-a', alice))
  forged.signature = SignedControlRequest.decode(req('i-a', bob)).signature
  t.throws(() => auth.authorize(SignedControlRequest.encode(forged)), { code: 'BAD_SIGNATURE' })
  // Replayed request refused; a fresh one from the same owner passes.
  const once = req('i-b', bob)
  t.ok(auth.authorize(once))
  t.throws(() => auth.authorize(once), { name: 'ControlAuthError', code: 'REPLAY' })
  t.ok(auth.authorize(req('i-b', bob)))
  // Time bound, audience, junk.
  t.throws(() => auth.authorize(req('i-a', alice, { nowMs: now - 31_000 })), { code: 'STALE' })
  // Fresh but older than this authorizer: after a restart the nonce cache is empty, so refuse.
  t.throws(() => auth.authorize(req('i-a', alice, { nowMs: now - 1 })), { code: 'BEFORE_START' })
  t.throws(() => auth.authorize(req('i-a', alice, { nowMs: now + 31_000 })), { code: 'FUTURE' })
  t.throws(() => auth.authorize(req('i-a', alice, { anchorKey: keys().publicKey })), {
    code: 'WRONG_AUDIENCE',
  })
  t.throws(() => auth.authorize(new Uint8Array([1, 2, 3])), { code: 'MALFORMED' })
  t.throws(() => auth.authorize(new Uint8Array(2000)), { code: 'TOO_LARGE' })

  // A committed swap: the former owner of i-a (alice) is refused there, bob is let in.
  const swapId = await agreeSwap(
    ledger,
    { location: 'i-a', owner: alice, vm: vmA },
    { location: 'i-b', owner: bob, vm: vmB },
  )
  t.ok(auth.authorize(req('i-a', alice)), 'still alice while the swap is only agreed')
  await ledger.commitSwap(swapId)
  t.throws(() => auth.authorize(req('i-a', alice)), { name: 'ControlAuthError', code: 'NOT_OWNER' })
  t.ok(auth.authorize(req('i-a', bob)))
  t.ok(auth.authorize(req('i-b', alice)))
  // Same after a plain transfer of i-b from alice to carol.
  const carol = await registerOwner(ledger, 'carol')
  const { buildSignedAction } = await import('../../src/protocols/ledger-action.js')
  await ledger.append(
    buildSignedAction(
      { kind: 'ownership-transferred', location: 'i-b', from: alice.publicKey, to: carol.publicKey },
      [alice, carol],
    ),
  )
  t.throws(() => auth.authorize(req('i-b', alice)), { code: 'NOT_OWNER' })
  t.ok(auth.authorize(req('i-b', carol)))

  // Nonces expire with their time bound, so the cache does not grow without end.
  const small = new ControlAuthorizer({
    ownership: ledger,
    anchorPublicKey: anchorKey.publicKey,
    now: () => now,
    replayCacheSize: 2,
  })
  t.ok(small.authorize(req('i-a', bob)))
  t.ok(small.authorize(req('i-a', bob)))
  t.throws(
    () => small.authorize(req('i-a', bob)),
    { code: 'BUSY' },
    'full of live nonces: refuse, never forget one',
  )
  now += 61_000
  t.ok(small.authorize(req('i-a', bob)), 'expired nonces were dropped')
  // A request captured and replayed after an anchor restart (fresh authorizer, empty cache).
  const captured = req('i-a', bob)
  t.ok(auth.authorize(captured))
  now += 5_000
  const restarted = new ControlAuthorizer({
    ownership: ledger,
    anchorPublicKey: anchorKey.publicKey,
    now: () => now,
  })
  t.throws(() => restarted.authorize(captured), { code: 'BEFORE_START' })
})
