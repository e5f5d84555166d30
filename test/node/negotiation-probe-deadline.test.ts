/**
 * The answering side probes the offering side within the offer's deadline:
 * an offering peer whose probe server never answers gets a refusal
 * (probe-failed) before its own wait for the answer ends, so it has no
 * timeout to charge the honest answering side for. Without the budget the
 * probe would wait its own 3 min and the offerer's 20 s wait would end first.
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import t from 'tap'
import { Agent } from '../../src/node/agent.js'
import { parseAgentConfig } from '../../src/node/config.js'
import type { AgentProbeService } from '../../src/node/probe/index.js'
import { PROBE_PROTOCOL } from '../../src/protocols/anchor-constants.js'
import { NEGOTIATE_PROTOCOL } from '../../src/protocols/constants.js'
import { validateNegotiationMessage } from '../../src/protocols/negotiation.js'
import { handleRpc, rpcCall } from '../../src/protocols/rpc.js'
import { CLS, DISK_RICH } from './fixtures/market-sides.js'
import { enrol, marketWorld } from './fixtures/market-world.js'
import { log, publishUntilHeld, rawCpuRichPeer, rawOffer, waitFor } from './helpers.js'

t.setTimeout(5 * 60_000)

/** The answering agent's whole negotiation deadline, ms: its probe gets this less its reply margin (15 s). */
const TIMEOUT_MS = 20_000

t.test('an offerer whose probe never answers is refused before its wait ends', async (t) => {
  const dir = t.testdir()
  const w = await marketWorld(t, dir)
  await enrol(w, join(dir, 'a'), 'host-a')
  const a = await Agent.create({
    dataDir: join(dir, 'a'),
    config: parseAgentConfig({
      instanceClass: CLS,
      location: 'host-a',
      profileOverride: DISK_RICH,
      needs: { cpu: 0.9 },
      needsMode: 'config',
      profiler: { enabled: false },
      bootstrap: w.bootstrap,
      anchorKey: w.anchorKeyHex,
      market: { intervalMs: 86_400_000, requireProbe: true, negotiationTimeoutMs: TIMEOUT_MS },
    }),
    log,
  })
  await a.start()
  t.teardown(() => a.stop())
  // The agent's probe service fetches the anchor's signed benchmarks at start (not exposed: read here).
  const probe = (a as unknown as { probe: AgentProbeService | null }).probe
  t.ok(
    await waitFor(() => (probe?.benchmarks.length ?? 0) > 0, 60_000),
    'the agent has the signed benchmarks',
  )

  // A raw peer acting as an agent whose probe server takes every probe and never answers.
  const { r, keys: rKeys, delegation, advert } = await rawCpuRichPeer(t, a)
  const hung: (() => void)[] = []
  await handleRpc(r.host, PROBE_PROTOCOL, () => new Promise<Uint8Array>((_, no) => hung.push(() => no())), {
    maxRequestBytes: 4096,
    timeoutMs: 600_000,
  })
  t.teardown(() => {
    for (const h of hung) h()
  })
  await publishUntilHeld(t, a, r, rKeys, advert)

  const aAdvertSeq = BigInt((await a.status()).advert!.sequence as string)
  const rAdvertSeq = a.market.get(r.id)!.sequence
  const offer = rawOffer(
    { from: r.id, to: a.peerId.toString(), seq: 1, fromAdvertSeq: rAdvertSeq, toAdvertSeq: aAdvertSeq },
    delegation,
    rKeys,
  )
  // The offerer waits as long as the agent's own deadline; the answer must come within it.
  const bytes = await rpcCall(r.host, peerIdFromString(a.peerId.toString()), NEGOTIATE_PROTOCOL, offer, {
    maxResponseBytes: 64 * 1024,
    timeoutMs: TIMEOUT_MS,
  })
  const answer = validateNegotiationMessage(bytes, {
    nowMs: Date.now(),
    self: r.id,
    ownAdvertSeqs: [rAdvertSeq],
    peerAdvertSeq: aAdvertSeq,
  })
  t.equal(answer.message.kind, 'reject', 'the agent answers in time')
  t.equal(
    answer.message.kind === 'reject' && answer.message.reason,
    'probe-failed',
    'because its probe got no answer',
  )
  t.ok(hung.length >= 1, 'the agent did probe the offerer')
  t.equal(a.negotiation!.held(), null, 'and is free again')
})
