/**
 * The matching's libp2p transport between two hosts: more batches of
 * messages than a connection allows concurrent matching streams all arrive
 * (each inbound stream is closed from the receiving side too; left
 * half-open, they filled the connection's limit after four batches and
 * every later message was reset), a message of the session the
 * receiver expects next is held and handed over when that session begins,
 * and a message bound to the sender's advert replaced while it was on the
 * way is taken, where one bound to an older advert is refused.
 */
import '../../../src/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey, Libp2p } from '@libp2p/interface'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { Libp2pMatchTransport } from '../../../src/node/market/libp2p-match-transport.js'
import { MarketView } from '../../../src/node/market/market-view.js'
import type { MatchSession } from '../../../src/node/market/matching-clock.js'
import type { MatchMessage } from '../../../src/node/market/matching-messages.js'
import type { Advert } from '../../../src/protocols/advert.js'
import { createNode } from '../../../src/runtime/libp2p-host.js'
import { delegate, keys } from '../../protocols/agreement-fixtures.js'
import { log, waitFor } from '../helpers.js'

interface Side {
  node: Libp2p
  vm: string
  advert: Advert
  transport: Libp2pMatchTransport
  got: MatchMessage[]
}

async function side(t: Test, market: MarketView): Promise<Side> {
  const key = (await generateKeyPair('Ed25519')) as Ed25519PrivateKey
  const node = await createNode({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], traffic: 'market' })
  t.teardown(() => node.stop())
  const vm = node.peerId.toString()
  const now = Date.now()
  // Only the fields the transport binds messages to: the advert's VM, sequence and lifetime.
  const advert = { vm, sequence: BigInt(now), issuedAtMs: now, expiresAtMs: now + 90_000 } as Advert
  market.upsert(advert, now)
  const transport = new Libp2pMatchTransport({
    node,
    agent: { secretKey: key.raw.subarray(0, 32), publicKey: key.publicKey.raw },
    delegation: delegate(keys(), key.publicKey.raw),
    market,
    ownAdvert: () => advert,
    ownAdvertSequencesSince: () => [advert.sequence],
    sendTimeoutMs: 5_000,
    metrics: new Registry(),
    log,
  })
  await transport.start()
  t.teardown(() => transport.stop())
  return { node, vm, advert, transport, got: [] }
}

/** Two sides sharing one market view, a able to dial b, and a session under way. */
async function pair(t: Test): Promise<{ market: MarketView; a: Side; b: Side; session: MatchSession }> {
  const market = new MarketView()
  const a = await side(t, market)
  const b = await side(t, market)
  await a.node.peerStore.merge(b.node.peerId, { multiaddrs: b.node.getMultiaddrs() })
  const now = Date.now()
  return { market, a, b, session: { k: 1, startMs: now - 1_000, endMs: now + 60_000 } }
}

const propose = (from: string, to: string, seq: number): MatchMessage => ({
  from,
  to,
  round: 1,
  seq,
  phase: 1,
  kind: 'propose',
  terms: { payer: null, priceMicros: 0n },
  welfareMicros: 1_000,
})

t.test(
  'more batches than the stream limit all arrive; the next session’s messages wait for it',
  async (t) => {
    const { a, b, session } = await pair(t)
    const next: MatchSession = { k: 2, startMs: session.endMs, endMs: session.endMs + 61_000 }
    a.transport.begin(session, (m) => a.got.push(m))
    b.transport.begin(session, (m) => b.got.push(m))

    // One message at a time, each its own stream: ten batches against a limit of four.
    for (let seq = 1; seq <= 10; seq++) {
      a.transport.send(propose(a.vm, b.vm, seq))
      t.ok(await waitFor(() => b.got.length === seq, 20_000), `batch ${seq} arrives`)
    }
    t.same(
      b.got.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    )
    const counts = await a.transport.counts()
    t.equal(counts.sent.sent, 10, 'all sent')
    t.equal(counts.sent.failed, undefined, 'none lost')

    // A runs the next session already (its clock ahead); B still runs the current one and expects the next.
    b.transport.expect(next)
    a.transport.begin(next, (m) => a.got.push(m))
    a.transport.send(propose(a.vm, b.vm, 11))
    t.ok(
      await waitFor(async () => (await b.transport.counts()).received.held === 1, 20_000),
      'the early message is held',
    )
    t.equal(b.got.length, 10, 'not handed to the current session')
    b.transport.end()
    b.transport.begin(next, (m) => b.got.push(m))
    t.equal(b.got.length, 10, 'held until released')
    b.transport.releaseHeld()
    t.same(
      b.got.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      'handed over once its session has begun',
    )
    t.same((await b.transport.counts()).refused, {}, 'nothing refused')
  },
)

t.test(
  "a message bound to the sender's just-replaced advert is taken; an older one is refused",
  async (t) => {
    const { market, a, b, session } = await pair(t)
    b.transport.begin(session, (m) => b.got.push(m))
    a.transport.begin(session, () => {})

    // A republished: B's view holds A's next advert, while A's message still names the one before.
    const republished = (n: bigint): Advert => ({ ...a.advert, sequence: a.advert.sequence + n })
    market.upsert(republished(1n), Date.now())
    a.transport.send(propose(a.vm, b.vm, 1))
    t.ok(await waitFor(() => b.got.length === 1, 20_000), 'taken: bound to the advert just replaced')

    // Republished twice: the message names an advert two behind.
    market.upsert(republished(2n), Date.now())
    a.transport.send(propose(a.vm, b.vm, 2))
    t.ok(
      await waitFor(
        async () => (await b.transport.counts()).refused['NegotiationError.STALE_ADVERT'] === 1,
        20_000,
      ),
      'refused and counted: bound to an advert older than the one replaced',
    )
    t.equal(b.got.length, 1, 'not handed to the session')
  },
)
