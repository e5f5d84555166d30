/**
 * A shortfall is probed again before it is charged: a peer whose first
 * answer falls short of its claim (a loaded moment) and whose second holds
 * it is not charged a lie; a peer that falls short twice (a 2x claim) is,
 * once. A peer that says "not now" (busy with another prober, or this
 * prober over its rate) is asked again after a back-off and never charged
 * for it. Between two real libp2p nodes; the probed side answers with
 * signed measurements or refusals it chooses, as a real peer could.
 */
import '../../src/polyfill.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Registry } from 'prom-client'
import t from 'tap'
import { signBenchmark } from '../../src/anchor/benchmarks/sign.js'
import { STANDARD_SUITE } from '../../src/anchor/benchmarks/suite.js'
import { compileWat } from '../../src/anchor/benchmarks/wat.js'
import { Reputation } from '../../src/node/market/reputation.js'
import { ProbeClient } from '../../src/node/probe/index.js'
import { PROBE_PROTOCOL } from '../../src/protocols/anchor-constants.js'
import {
  encodeProbeFailure,
  ProbeRefusal,
  signProbeResponse,
  validateProbeRequest,
} from '../../src/protocols/probe.js'
import { handleRpc } from '../../src/protocols/rpc.js'
import { verifyBenchmark } from '../../src/runtime/sandbox/index.js'
import { keys } from '../anchor/helpers.js'
import { clientNode } from '../anchor/net-helpers.js'

const ROOT = join(import.meta.dirname, '..', '..')

t.test('a shortfall is confirmed by a second probe before it counts as a lie', async (t) => {
  const anchor = keys()
  const cpu = STANDARD_SUITE.find((b) => b.source === 'cpu')!
  const module = await compileWat(await readFile(join(ROOT, 'benchmarks', 'cpu.wat'), 'utf8'))
  const bench = verifyBenchmark(
    signBenchmark(module, { ...cpu.manifest, name: 'test/cpu' }, anchor.secretKey),
    module,
    anchor.publicKey,
  )
  const bPrivate = await generateKeyPair('Ed25519')
  const a = await clientNode()
  const b = await clientNode(bPrivate)
  t.teardown(() => Promise.all([a.stop(), b.stop()]))
  // b answers each probe with the next of these values
  const answers: (number | string)[] = []
  await handleRpc(
    b,
    PROBE_PROTOCOL,
    async (req, prober) => {
      const { nonce } = validateProbeRequest(req)
      const value = answers.shift() ?? 0
      if (typeof value === 'string') return encodeProbeFailure(value, 'not now')
      return signProbeResponse(
        {
          nonce,
          prober: prober.toString(),
          vm: b.peerId.toString(),
          measurements: [
            { moduleSha256: new Uint8Array(bench.moduleSha256), name: 'test/cpu', value, unit: 'Mops/s' },
          ],
          issuedAtMs: Date.now(),
        },
        { secretKey: bPrivate.raw.subarray(0, 32), publicKey: bPrivate.publicKey.raw },
      )
    },
    { maxRequestBytes: 4096, timeoutMs: 10_000 },
  )
  const metrics = new Registry()
  const reputation = new Reputation()
  const client = new ProbeClient({ node: a, reputation, metrics, notNowBackoffMs: [20, 20, 20] })
  const claim = { cpu: { median: 100, spread: 5, samples: 10, windowMs: 60_000 } }
  const peer = b.peerId.toString()

  answers.push(60, 95)
  const moment = await client.probe(b.peerId, b.getMultiaddrs(), [bench], claim)
  t.equal(moment.probes, 2, 'the shortfall was probed again')
  t.ok(moment.ok, 'the second measurement holds the claim: no lie')
  t.ok(reputation.score(peer) >= 0, 'and the peer keeps its standing')

  answers.push(50, 52)
  const lie = await client.probe(b.peerId, b.getMultiaddrs(), [bench], claim)
  t.equal(lie.probes, 2)
  t.equal(lie.verdict, 'claim-mismatch', 'a 2x claim falls short twice: a lie')
  t.equal(reputation.history(peer).filter((r) => r.verdict === 'claim-mismatch').length, 1, 'charged once')

  answers.push(90)
  const fine = await client.probe(b.peerId, b.getMultiaddrs(), [bench], claim)
  t.equal(fine.probes, 1, 'a claim the first probe holds needs no second')
  // "not now" twice, then an answer: asked again, judged on the answer, nothing charged for the waits
  const before = reputation.score(peer)
  answers.push(ProbeRefusal.BUSY, ProbeRefusal.RATE_LIMITED, 95)
  const patient = await client.probe(b.peerId, b.getMultiaddrs(), [bench], claim)
  t.ok(patient.ok, 'a peer busy at first is measured once it is free')
  t.equal(patient.verdict, 'pass')
  t.equal(reputation.score(peer), before + 1, 'charged nothing for the refusals, credited the pass')
  t.equal(answers.length, 0, 'asked three times')

  // busy through every wait: nothing learnt, nothing charged
  answers.push(ProbeRefusal.BUSY, ProbeRefusal.BUSY, ProbeRefusal.BUSY, ProbeRefusal.BUSY)
  const busy = await client.probe(b.peerId, b.getMultiaddrs(), [bench], claim)
  t.notOk(busy.ok, 'a peer busy throughout is not taken as probed')
  t.equal(busy.notNow, true, 'the outcome says the peer only said "not now"')
  t.equal(busy.code, 'PROBE_BUSY')
  t.equal(answers.length, 0, 'asked once and again after each of the three waits')
  t.equal(reputation.score(peer), before + 1, 'its standing is untouched')

  // busy for the confirmation of a shortfall: unconfirmed, so not charged
  const lies = reputation.history(peer).filter((r) => r.verdict === 'claim-mismatch').length
  answers.push(50, ProbeRefusal.BUSY, ProbeRefusal.BUSY, ProbeRefusal.BUSY, ProbeRefusal.BUSY)
  const unconfirmed = await client.probe(b.peerId, b.getMultiaddrs(), [bench], claim)
  t.notOk(unconfirmed.ok)
  t.equal(unconfirmed.notNow, true)
  t.equal(
    reputation.history(peer).filter((r) => r.verdict === 'claim-mismatch').length,
    lies,
    'a shortfall the peer was too busy to have checked again is not charged',
  )

  // any other refusal is a peer that will not be probed: charged as before
  answers.push('UNKNOWN_BENCHMARK')
  const refused = await client.probe(b.peerId, b.getMultiaddrs(), [bench], claim)
  t.equal(refused.verdict, 'no-answer')
  t.notOk(refused.notNow)
  t.ok(reputation.score(peer) < before + 1, 'a refusal that is not "not now" costs the peer')

  const made = await metrics.getSingleMetricAsString('vboom_probes_made_total')
  t.match(made, /outcome="not-now"} 2/)
  t.match(made, /outcome="mismatch-unconfirmed"} 1/)
  t.match(made, /outcome="claim-mismatch"} 1/)
  t.match(made, /outcome="pass"} 2/)
  t.match(
    await metrics.getSingleMetricAsString('vboom_probe_lies_total'),
    new RegExp(`peer="${peer}"} 1`),
    'the lie is counted against the peer that told it',
  )
})
