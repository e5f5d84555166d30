/**
 * WATCH, the coordinator's long poll, over the network: a VM waiting for its
 * peer hears of the peer's vote at once; a stale view is answered at once; an
 * unchanged swap is answered after the wait; bad watches are refused.
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import t from 'tap'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import { AnchorCoordinatorClient } from '../../src/node/anchor-coordinator-client.js'
import {
  COORDINATOR_PROTOCOL,
  MAX_COORDINATOR_RESPONSE_BYTES,
  MAX_COORDINATOR_WATCH_MS,
} from '../../src/protocols/anchor-constants.js'
import {
  type CoordinatorCallBody,
  CoordinatorOp,
  decodeCoordinatorResponse,
  signCoordinatorCall,
} from '../../src/protocols/coordinator-wire.js'
import { CoordinatorRequest } from '../../src/protocols/proto/anchor.js'
import { rpcCall } from '../../src/protocols/rpc.js'
import { SignatureDomain, sign } from '../../src/protocols/signing.js'
import { freePort } from '../../src/runtime/free-port.js'
import { agreedSwapOfTwo, keys } from './helpers.js'
import { clientNode, killHard, startAnchorProcess } from './net-helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test('a watch wakes on the peer vote, answers stale views at once, and refuses bad watches', async (t) => {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey })
  const { swapId, vmA, vmB } = await agreedSwapOfTwo(ledger)
  const s = hex(swapId)
  await ledger.close()
  const anchor = await startAnchorProcess(dir, await freePort())
  t.teardown(() => killHard(anchor))
  const node = await clientNode()
  t.teardown(() => node.stop())
  const client = (key: { secretKey: Uint8Array; publicKey: Uint8Array }) =>
    new AnchorCoordinatorClient({ node, anchor: anchor.addrs, key })
  const a = client(vmA)
  const b = client(vmB)

  const start = await b.status(s)
  const t0 = Date.now()
  const woken = b.watch(s, start, MAX_COORDINATOR_WATCH_MS)
  await new Promise((r) => setTimeout(r, 100)) // the watch is held at the anchor
  await a.prepare(s, 'a')
  const seen = await woken
  t.same(seen.prepared, { a: true, b: false }, "b learns of a's vote")
  t.ok(Date.now() - t0 < MAX_COORDINATOR_WATCH_MS - 1000, 'woken by the vote, not by the end of the wait')

  t.same(
    (await b.watch(s, start, MAX_COORDINATOR_WATCH_MS)).prepared,
    { a: true, b: false },
    'a stale view returns at once',
  )
  t.same(await b.watch(s, seen, 50), seen, 'an unchanged swap is answered as it is after the wait')

  // raw calls: what the client never sends
  const raw = async (body: CoordinatorCallBody, key = vmB) =>
    decodeCoordinatorResponse(
      await rpcCall(node, anchor.addrs, COORDINATOR_PROTOCOL, signCoordinatorCall(body, key), {
        maxResponseBytes: MAX_COORDINATOR_RESPONSE_BYTES,
        timeoutMs: 15_000,
      }),
      s,
    )
  t.match(
    await raw({ op: CoordinatorOp.WATCH, swapId: s, waitMs: 10 }),
    { failure: { code: 'MALFORMED' } },
    'no status seen',
  )
  t.match(
    await raw({ op: CoordinatorOp.WATCH, swapId: s, seen, waitMs: MAX_COORDINATOR_WATCH_MS + 1 }),
    { failure: { code: 'MALFORMED' } },
    'a wait longer than the anchor holds a call',
  )
  t.match(
    await raw({
      op: CoordinatorOp.WATCH,
      swapId: s,
      seen: { ...seen, swapId: hex(new Uint8Array(32)) },
      waitMs: 10,
    }),
    { failure: { code: 'WRONG_SWAP' } },
    'a status of another swap',
  )
  t.match(
    await raw({ op: CoordinatorOp.WATCH, swapId: s, seen, waitMs: 10 }, keys()),
    { failure: { code: 'NOT_PARTY' } },
    'a stranger',
  )
  // an operation this anchor does not know (a newer VM's): a code of its own, not MALFORMED
  const { call } = CoordinatorRequest.decode(
    signCoordinatorCall({ op: CoordinatorOp.STATUS, swapId: s }, vmB),
  )
  const future = new Uint8Array(call)
  t.equal(future[0], 0x08, 'the op is written first')
  future[1] = 7
  const unsupported = decodeCoordinatorResponse(
    await rpcCall(
      node,
      anchor.addrs,
      COORDINATOR_PROTOCOL,
      CoordinatorRequest.encode({
        call: future,
        signature: sign(SignatureDomain.coordinator, future, vmB.secretKey),
      }),
      { maxResponseBytes: MAX_COORDINATOR_RESPONSE_BYTES, timeoutMs: 15_000 },
    ),
    s,
  )
  t.match(unsupported, { failure: { code: 'UNSUPPORTED_OP' } }, 'an unknown operation is unsupported')
  t.equal((await a.status(s)).decision, 'pending', 'the anchor still answers')
})
