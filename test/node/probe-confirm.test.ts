/**
 * A shortfall is probed again before it is charged: a peer whose first
 * answer falls short of its claim (a loaded moment) and whose second holds
 * it is not charged a lie; a peer that falls short twice (a 2x claim) is,
 * once. Between two real libp2p nodes; the probed side answers with
 * signed measurements it chooses, as a real peer could.
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
import { signProbeResponse, validateProbeRequest } from '../../src/protocols/probe.js'
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
  const answers: number[] = []
  await handleRpc(
    b,
    PROBE_PROTOCOL,
    async (req, prober) => {
      const { nonce } = validateProbeRequest(req)
      const value = answers.shift() ?? 0
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
  const client = new ProbeClient({ node: a, reputation, metrics })
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
  const made = await metrics.getSingleMetricAsString('vboom_probes_made_total')
  t.match(made, /outcome="mismatch-unconfirmed"} 1/)
  t.match(made, /outcome="claim-mismatch"} 1/)
  t.match(made, /outcome="pass"} 1/)
  t.match(
    await metrics.getSingleMetricAsString('vboom_probe_lies_total'),
    new RegExp(`peer="${peer}"} 1`),
    'the lie is counted against the peer that told it',
  )
})
