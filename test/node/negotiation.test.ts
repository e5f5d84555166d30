/**
 * Negotiation between real agents over libp2p (/vboom/negotiate/1.0.0): two
 * agents whose locations suit each other's needs agree a swap, signed under
 * both owners' delegations and registered in the anchor's ledger, the
 * partner probed first, its reputation kept across a restart; two agents
 * offering to one at once leave it in one agreement; a partner that falls
 * silent frees the agent at the timeout; forged, altered, replayed and
 * expired offers are refused and counted.
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import t, { type Test } from 'tap'
import { Agent } from '../../src/node/agent.js'
import { parseAgentConfig } from '../../src/node/config.js'
import { ControlServer } from '../../src/node/control-server.js'
import { validateAgreement } from '../../src/protocols/agreement.js'
import { NEGOTIATE_PROTOCOL } from '../../src/protocols/constants.js'
import { readDelegation } from '../../src/protocols/delegation.js'
import { buildSignedAction } from '../../src/protocols/ledger-action.js'
import { type NegotiationMessage, validateNegotiationMessage } from '../../src/protocols/negotiation.js'
import {
  NegotiationMessage as NegotiationMessagePb,
  SignedNegotiationMessage,
} from '../../src/protocols/proto/negotiation.js'
import { rpcCall } from '../../src/protocols/rpc.js'
import { SignatureDomain, sign } from '../../src/protocols/signing.js'
import { vboom } from '../cli/helpers.js'
import { delegate, keys } from '../protocols/agreement-fixtures.js'
import { CLS, CPU_RICH, DISK_RICH } from './fixtures/market-sides.js'
import { enrol, type MarketWorld, marketWorld } from './fixtures/market-world.js'
import { log, publishUntilHeld, rawCpuRichPeer, rawOffer, waitFor } from './helpers.js'

/** Several agents start libp2p, and probes run real benchmarks: the machine may be loaded. */
t.setTimeout(10 * 60_000)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

async function agent(
  t: Test,
  w: MarketWorld,
  dataDir: string,
  location: string,
  kind: 'cpu-rich' | 'disk-rich',
  market: Record<string, unknown>,
): Promise<Agent> {
  const config = parseAgentConfig({
    instanceClass: CLS,
    location,
    profileOverride: kind === 'cpu-rich' ? CPU_RICH : DISK_RICH,
    // each wants what the other kind has
    needs: kind === 'cpu-rich' ? { diskWrite: 0.9 } : { cpu: 0.9 },
    needsMode: 'config',
    profiler: { enabled: false },
    bootstrap: w.bootstrap,
    anchorKey: w.anchorKeyHex,
    market,
  })
  const a = await Agent.create({ dataDir, config, log })
  await a.start()
  t.teardown(() => a.stop())
  return a
}

const sees = (a: Agent, b: Agent) => a.market.get(b.peerId.toString()) !== undefined

t.test('two agents agree a swap, signed under both delegations and registered at the anchor', async (t) => {
  const dir = t.testdir()
  const w = await marketWorld(t, dir)
  const dirA = join(dir, 'a')
  const dirB = join(dir, 'b')
  const ownerA = await enrol(w, dirA, 'host-a')
  const ownerB = await enrol(w, dirB, 'host-b')
  // Both probe their partner before accepting; they offer to their best partner every 2 s (pairwise:
  // the matching that picks partners has its own test, matching-agents.test.ts).
  const market = { intervalMs: 2_000, requireProbe: true, matching: { enabled: false } }
  const a = await agent(t, w, dirA, 'host-a', 'disk-rich', market)
  let b = await agent(t, w, dirB, 'host-b', 'cpu-rich', market)

  t.ok(
    await waitFor(
      async () => (await a.agreements()).length > 0 && (await b.agreements()).length > 0,
      240_000,
    ),
    'both agents hold an agreement',
  )
  // Without a platform an agent holds its agreement but cannot leave for it: it says so and counts it.
  const refusedNoPlatform = async (x: Agent): Promise<number> =>
    (
      (await x.metrics.registry.getSingleMetric('vboom_agreement_leaves_refused_total')?.get())?.values ?? []
    ).find((v) => v.labels.code === 'NO_PLATFORM')?.value ?? 0
  t.ok(
    await waitFor(
      async () => (await refusedNoPlatform(a)) === 1 && (await refusedNoPlatform(b)) === 1,
      30_000,
    ),
    'each agent without a platform refuses to leave for its agreement, once (NO_PLATFORM)',
  )
  const [ofA] = await a.agreements()
  const [ofB] = await b.agreements()
  t.equal(ofA!.swapId, ofB!.swapId, 'the same agreement')
  t.equal(ofA!.state, 'registered')
  t.not(ofA!.role, ofB!.role, 'one side each')
  t.equal(ofA!.partner, b.peerId.toString())
  t.equal(ofA!.partnerLocation, 'host-b')
  t.equal(ofA!.payer, null, 'mutual gain: no price')
  t.ok(BigInt(ofA!.statedGainMicros) > 0n && BigInt(ofB!.statedGainMicros) > 0n, 'each side states a gain')

  const held = await a.negotiation!.agreementInForce()
  const signed = validateAgreement(new Uint8Array(Buffer.from(held!.signed, 'hex')), {
    nowMs: Date.now(),
    anchorKey: w.anchor.key.publicKey,
  })
  const sideA = held!.role
  const sideB = sideA === 'a' ? 'b' : 'a'
  t.equal(hex(signed.delegations[sideA].ownerKey), hex(ownerA.publicKey), "a's owner authorised a's agent")
  t.equal(hex(signed.delegations[sideB].ownerKey), hex(ownerB.publicKey), "b's owner authorised b's agent")
  t.equal(hex(signed[sideA].agentKey), hex(a.key.publicKey.raw))
  t.equal(w.anchor.ledger.swapState(signed.swapId)?.status, 'agreed', 'the anchor registered it')
  t.equal(a.negotiation!.held()?.phase, 'agreed', 'the agreement is its commitment')

  // The partners were probed before acceptance: each passed, which the reputation shows.
  const report = await a.marketReport()
  const candidate = report!.candidates.find((c) => c.peer === b.peerId.toString())
  const passed = (x: Agent, y: Agent) =>
    x.negotiation!.reputationOf(y.peerId.toString()).history.some((r) => r.verdict === 'pass')
  t.ok(passed(a, b) || passed(b, a), 'the partner was probed and passed')
  t.match(candidate!.why, /committed/, 'no new negotiation while an agreement holds')

  // The CLI, through the agent's control socket.
  const control = new ControlServer(a, log)
  await control.start()
  t.teardown(() => control.stop())
  const listed = await vboom(['agreements', '-d', dirA, '--json'], 120_000)
  t.equal(listed.code, 0, listed.stderr)
  t.same(
    (JSON.parse(listed.stdout) as Array<{ swapId: string; state: string }>).map((x) => [x.swapId, x.state]),
    [[ofA!.swapId, 'registered']],
    'vboom agreements lists it',
  )
  const shown = await vboom(['market', '-d', dirA], 120_000)
  t.equal(shown.code, 0, shown.stderr)
  t.match(shown.stdout, /commitment {2}agreed with/, 'vboom market shows the commitment')
  t.match(
    shown.stdout,
    /host-b .* not pursued now: committed to/,
    'and the candidate, with why it is not pursued',
  )

  // Reputation and the agreement survive a restart.
  const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v))
  const remembered = json(b.negotiation!.reputationOf(a.peerId.toString())) as { history: unknown[] }
  t.ok(remembered.history.length > 0, 'b has a record of a')
  await b.stop()
  b = await agent(t, w, dirB, 'host-b', 'cpu-rich', { ...market, intervalMs: 86_400_000 })
  t.ok((await b.marketReport()) !== null)
  t.equal(b.negotiation!.held()?.swapId, ofB!.swapId, 'b is still committed to its agreement after a restart')
  t.same(
    json(b.negotiation!.reputationOf(a.peerId.toString())),
    remembered,
    "b remembers a's record after a restart",
  )
})

t.test('concurrent offers to one agent leave it in at most one agreement', async (t) => {
  const dir = t.testdir()
  const w = await marketWorld(t, dir)
  // No rounds of their own: the offers are made at once, below.
  const market = { intervalMs: 86_400_000, requireProbe: false }
  await enrol(w, join(dir, 'a'), 'host-a')
  await enrol(w, join(dir, 'b'), 'host-b')
  await enrol(w, join(dir, 'c'), 'host-c')
  const a = await agent(t, w, join(dir, 'a'), 'host-a', 'disk-rich', market)
  const b = await agent(t, w, join(dir, 'b'), 'host-b', 'cpu-rich', market)
  const c = await agent(t, w, join(dir, 'c'), 'host-c', 'cpu-rich', market)
  t.ok(
    await waitFor(() => sees(a, b) && sees(a, c) && sees(b, a) && sees(c, a), 120_000),
    'the three see each other',
  )
  const results = await Promise.all([
    b.negotiation!.negotiateWith(a.peerId.toString()),
    c.negotiation!.negotiateWith(a.peerId.toString()),
  ])
  const agreed = results.filter((r) => r !== null)
  t.equal(agreed.length, 1, 'one offer ends in an agreement')
  const ofA = await a.agreements()
  t.equal(ofA.length, 1, 'the agent offered to holds one agreement')
  t.equal(ofA[0]!.swapId, agreed[0])
  t.equal(w.anchor.ledger.swapState(new Uint8Array(Buffer.from(agreed[0]!, 'hex')))?.status, 'agreed')
  const loser = results[0] === null ? b : c
  t.same(await loser.agreements(), [], 'the other offerer holds none')
  t.equal(loser.negotiation!.held(), null, 'and is free again')
  t.match((await loser.marketReport())!.candidates[0]!.last ?? '', /rejected/)
})

t.test(
  'a silent partner frees the agent at the timeout; forged, altered, replayed and expired offers are refused and counted',
  async (t) => {
    const dir = t.testdir()
    const w = await marketWorld(t, dir)
    await enrol(w, join(dir, 'a'), 'host-a')
    const TIMEOUT_MS = 3_000
    const a = await agent(t, w, join(dir, 'a'), 'host-a', 'disk-rich', {
      intervalMs: 86_400_000,
      requireProbe: false,
      negotiationTimeoutMs: TIMEOUT_MS,
    })
    // A raw libp2p peer acting as an agent: its own advert, its owner's delegation, messages it signs itself.
    const { r, keys: rKeys, delegation, advert } = await rawCpuRichPeer(t, a)
    await publishUntilHeld(t, a, r, rKeys, advert)
    let aAdvertSeq = 0n
    let rAdvertSeq = 0n
    let seq = 1
    const offer = (over: Partial<NegotiationMessage> = {}, under: Uint8Array = delegation): Uint8Array =>
      rawOffer(
        {
          from: r.id,
          to: a.peerId.toString(),
          seq: seq++,
          fromAdvertSeq: rAdvertSeq,
          toAdvertSeq: aAdvertSeq,
        },
        under,
        rKeys,
        over,
      )
    const send = (bytes: Uint8Array) =>
      rpcCall(r.host, peerIdFromString(a.peerId.toString()), NEGOTIATE_PROTOCOL, bytes, {
        maxResponseBytes: 64 * 1024,
        timeoutMs: 30_000,
      })
    const refused = async (): Promise<Record<string, number>> => (await a.marketReport())!.counters.refused

    // A valid offer: the agent accepts it, signing the agreement terms, and commits to the raw peer.
    // (Tried again on fresh advert sequences should an advert cross the first one.)
    let first: Uint8Array = new Uint8Array(0)
    let answer: ReturnType<typeof validateNegotiationMessage> | undefined
    for (let i = 0; i < 5 && answer === undefined; i++) {
      aAdvertSeq = BigInt((await a.status()).advert!.sequence as string)
      rAdvertSeq = a.market.get(r.id)!.sequence
      first = offer()
      try {
        answer = validateNegotiationMessage(await send(first), {
          nowMs: Date.now(),
          self: r.id,
          ownAdvertSeqs: [rAdvertSeq],
          peerAdvertSeq: aAdvertSeq,
        })
      } catch {
        await new Promise((ok) => setTimeout(ok, 500))
      }
    }
    if (answer === undefined) return t.fail('the agent never answered a valid offer')
    t.equal(answer.message.kind, 'accept', 'the agent accepts')
    t.ok(answer.agreement !== undefined, 'with the agreement terms it signed')
    t.equal(a.negotiation!.held()?.peer, r.id, 'the agent is committed to the raw peer')

    // Replayed, forged, altered, expired: each refused (the stream reset), each counted.
    await t.rejects(send(first), { name: 'StreamError' }, 'a replayed offer is refused')
    const env = SignedNegotiationMessage.decode(offer())
    const forged = SignedNegotiationMessage.encode({
      message: env.message,
      signature: sign(SignatureDomain.negotiation, env.message, keys().secretKey),
    })
    await t.rejects(
      send(forged),
      { name: 'StreamError' },
      'an offer with a signature not by its sender is refused',
    )
    const pb = NegotiationMessagePb.decode(SignedNegotiationMessage.decode(offer()).message)
    const altered = SignedNegotiationMessage.encode({
      message: NegotiationMessagePb.encode({ ...pb, offer: { ...pb.offer!, statedGainMicros: 999_999n } }),
      signature: SignedNegotiationMessage.decode(offer()).signature,
    })
    await t.rejects(send(altered), { name: 'StreamError' }, 'an offer altered after signing is refused')
    const past = Date.now() - 120_000
    await t.rejects(
      send(offer({ issuedAtMs: past, expiresAtMs: past + 60_000 })),
      { name: 'StreamError' },
      'an expired offer is refused',
    )
    const counts = await refused()
    t.ok(
      (counts['NegotiationError.DUPLICATE_NONCE'] ?? 0) + (counts['NegotiationError.STALE_SEQUENCE'] ?? 0) >=
        1,
      'replay counted',
    )
    t.ok((counts['NegotiationError.BAD_SIGNATURE'] ?? 0) >= 2, 'forgery and alteration counted')
    t.ok((counts['NegotiationError.EXPIRED'] ?? 0) >= 1, 'expiry counted')

    // The raw peer never confirms: at the timeout the agent is free, and the silence cost reputation.
    t.ok(await waitFor(() => a.negotiation!.held() === null, 30_000), 'the agent is free after the timeout')
    const report = (await a.marketReport())!
    t.ok((report.counters.outcomes.timeout ?? 0) >= 1, 'the lapse is counted')
    t.ok(report.candidates.find((c) => c.peer === r.id)!.reputation < 0, 'the silent partner lost reputation')
    t.same(await a.agreements(), [], 'no agreement')

    // The same peer under another owner's delegation, which that owner revoked at the anchor:
    // a valid offer, refused by the partner itself (not only by the anchor at registration), and counted.
    const owner2 = keys()
    const delegation2 = delegate(owner2, rKeys.publicKey)
    await w.anchor.ledger.append(
      buildSignedAction({ kind: 'owner-registered', owner: owner2.publicKey, name: 'revoker' }, [owner2]),
    )
    await w.anchor.ledger.append(
      buildSignedAction(
        { kind: 'delegation-revoked', delegationId: readDelegation(delegation2).id, owner: owner2.publicKey },
        [owner2],
      ),
    )
    aAdvertSeq = BigInt((await a.status()).advert!.sequence as string)
    rAdvertSeq = a.market.get(r.id)!.sequence
    const underRevoked = offer({}, delegation2)
    const refusal = validateNegotiationMessage(await send(underRevoked), {
      nowMs: Date.now(),
      self: r.id,
      ownAdvertSeqs: [rAdvertSeq],
      peerAdvertSeq: aAdvertSeq,
    })
    t.match(
      refusal.message,
      { kind: 'reject', reason: 'unacceptable' },
      'an offer under a revoked delegation is refused',
    )
    t.ok(
      ((await refused())['NegotiationServiceError.REVOKED_DELEGATION'] ?? 0) >= 1,
      'the revoked delegation is counted',
    )
    t.equal(a.negotiation!.held(), null, 'and the agent stays free')
  },
)
