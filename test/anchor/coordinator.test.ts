/**
 * The swap coordinator over the network, with the anchor as a child process:
 * duplicate and out-of-order PREPARE/COMMIT, strangers and forgeries refused,
 * and the anchor SIGKILLed between PREPARED and COMMITTED (and after COMMIT)
 * answering consistently once restarted.
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import t from 'tap'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import { AnchorCoordinatorClient } from '../../src/node/anchor-coordinator-client.js'
import { COORDINATOR_PROTOCOL, MAX_COORDINATOR_RESPONSE_BYTES } from '../../src/protocols/anchor-constants.js'
import {
  CoordinatorOp,
  decodeCoordinatorResponse,
  signCoordinatorCall,
} from '../../src/protocols/coordinator-wire.js'
import { rpcCall } from '../../src/protocols/rpc.js'
import { freePort } from '../../src/runtime/free-port.js'
import { agreeSwap, keys, registerLocation, registerOwner } from './helpers.js'
import { clientNode, killHard, startAnchorProcess } from './net-helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test('coordinator over the network survives SIGKILL between PREPARED and COMMITTED', async (t) => {
  const dir = t.testdir()
  // The world: two owners, their locations and VMs, two agreed swaps.
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey })
  const alice = await registerOwner(ledger, 'alice')
  const bob = await registerOwner(ledger, 'bob')
  const carol = await registerOwner(ledger, 'carol')
  const dave = await registerOwner(ledger, 'dave')
  const vmA = await registerLocation(ledger, 'loc-a', alice)
  const vmB = await registerLocation(ledger, 'loc-b', bob)
  const vmC = await registerLocation(ledger, 'loc-c', carol)
  const vmD = await registerLocation(ledger, 'loc-d', dave)
  const s1 = hex(
    await agreeSwap(
      ledger,
      { location: 'loc-a', owner: alice, vm: vmA },
      { location: 'loc-b', owner: bob, vm: vmB },
    ),
  )
  const s2 = hex(
    await agreeSwap(
      ledger,
      { location: 'loc-c', owner: carol, vm: vmC },
      { location: 'loc-d', owner: dave, vm: vmD },
    ),
  )
  await ledger.close()

  const port = await freePort()
  let anchor = await startAnchorProcess(join(dir), port)
  t.teardown(() => killHard(anchor))
  const node = await clientNode()
  t.teardown(() => node.stop())
  // A restarted anchor keeps its libp2p key and port, so its address stays the same.
  const addrs = anchor.addrs
  const client = (key: { secretKey: Uint8Array; publicKey: Uint8Array }) =>
    new AnchorCoordinatorClient({ node, anchor: addrs, key })
  const a = client(vmA)
  const b = client(vmB)

  // Out of order: COMMIT before any PREPARE changes nothing.
  t.equal((await a.commit(s1)).decision, 'pending', 'commit before prepare stays pending')
  t.same((await a.prepare(s1, 'a')).prepared, { a: true, b: false })
  t.same((await a.prepare(s1, 'a')).prepared, { a: true, b: false }, 'duplicate prepare is idempotent')
  t.equal((await b.commit(s1)).decision, 'pending', 'one vote is not enough')
  t.same((await b.prepare(s1, 'b')).prepared, { a: true, b: true })

  // Only the VM of a side may act for it; strangers and forgeries are refused.
  await t.rejects(b.prepare(s1, 'a'), { name: 'CoordinatorNotPartyError', code: 'NOT_PARTY' })
  await t.rejects(client(keys()).commit(s1), { name: 'CoordinatorNotPartyError', code: 'NOT_PARTY' })
  await t.rejects(a.status(hex(new Uint8Array(32))), { name: 'UnknownSwapError', code: 'UNKNOWN_SWAP' })
  const stale = signCoordinatorCall({ op: CoordinatorOp.COMMIT, swapId: s1 }, vmA, Date.now() - 3_600_000)
  const staleAnswer = decodeCoordinatorResponse(
    await rpcCall(node, anchor.addrs, COORDINATOR_PROTOCOL, stale, {
      maxResponseBytes: MAX_COORDINATOR_RESPONSE_BYTES,
      timeoutMs: 15_000,
    }),
    s1,
  )
  t.match(staleAnswer, { failure: { code: 'STALE_CALL' } }, 'an old signed call is refused')
  const forged = signCoordinatorCall({ op: CoordinatorOp.COMMIT, swapId: s1 }, vmA)
  forged[forged.length - 1]! ^= 1
  const forgedAnswer = decodeCoordinatorResponse(
    await rpcCall(node, anchor.addrs, COORDINATOR_PROTOCOL, forged, {
      maxResponseBytes: MAX_COORDINATOR_RESPONSE_BYTES,
      timeoutMs: 15_000,
    }),
    s1,
  )
  t.match(forgedAnswer, { failure: { code: 'BAD_SIGNATURE' } }, 'a forged call is refused')
  await t.rejects(
    rpcCall(node, anchor.addrs, COORDINATOR_PROTOCOL, new Uint8Array(64 * 1024), {
      maxResponseBytes: 1024,
      timeoutMs: 15_000,
    }),
    { name: 'StreamError' },
    'an oversized request resets the stream',
  )
  t.equal((await a.status(s1)).decision, 'pending', 'the anchor still answers after bad input')

  // Second swap: a votes, b aborts; later votes and commits lose.
  await client(vmC).prepare(s2, 'a')
  t.equal((await client(vmD).abort(s2, 'b', 'no space')).decision, 'aborted')
  t.equal((await client(vmD).prepare(s2, 'b')).decision, 'aborted', 'prepare after abort is refused')
  t.equal((await client(vmC).commit(s2)).decision, 'aborted', 'commit after abort loses')

  // Both PREPARED, not COMMITTED: kill the anchor hard and restart it.
  await killHard(anchor)
  await t.rejects(
    a.status(s1),
    { name: 'CoordinatorUnreachableError', code: 'COORDINATOR_UNREACHABLE' },
    'no anchor, no answer',
  )
  anchor = await startAnchorProcess(dir, port)
  const afterKill = await b.status(s1)
  t.equal(afterKill.decision, 'pending', 'restarted anchor: still undecided')
  t.same(afterKill.prepared, { a: true, b: true }, 'restarted anchor: both votes kept')
  t.equal((await client(vmC).status(s2)).decision, 'aborted', 'restarted anchor: abort kept')
  t.equal((await client(vmC).status(s2)).reason, 'b: no space')

  t.equal((await a.commit(s1)).decision, 'committed')
  t.equal((await b.commit(s1)).decision, 'committed', 'duplicate commit is idempotent')
  t.equal((await b.abort(s1, 'b', 'too late')).decision, 'committed', 'abort after commit loses')
  t.same((await a.complete(s1, 'a')).completed, { a: true, b: false })
  await t.rejects(client(vmC).complete(s2, 'a'), { name: 'SwapNotCommittedError', code: 'NOT_COMMITTED' })

  // Killed after COMMIT: the decision and the ownership transfer are one durable entry.
  await killHard(anchor)
  anchor = await startAnchorProcess(dir, port)
  const final = await a.status(s1)
  t.equal(final.decision, 'committed', 'committed survives a kill')
  t.same(final.completed, { a: true, b: false })
  await killHard(anchor)

  const reopened = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey })
  t.same(hex(reopened.ownerOf('loc-a')!.owner), hex(bob.publicKey), 'loc-a now belongs to bob')
  t.same(hex(reopened.ownerOf('loc-b')!.owner), hex(alice.publicKey), 'loc-b now belongs to alice')
  const commits = []
  for await (const e of reopened.entries()) if (e.kind === 'swap-committed') commits.push(e.seq)
  t.equal(commits.length, 1, 'exactly one COMMIT entry despite duplicate commits and restarts')
  t.ok((await reopened.verify()).ok, 'the chain verifies')
  await reopened.close()
})
