/**
 * bench:mesh — N agents and an anchor on 127.0.0.1, for N = 10, 25, 50
 * (override: BENCH_SIZES=10,20). Two modes, both printed:
 * - processes (default; BENCH_MODE=processes): each agent is its own
 *   `vboom agent` process, as on real VMs; propagation is timed from the
 *   agents' logs over a 30 s window of their periodic republishes;
 * - one process (BENCH_MODE=inprocess or both): every node shares one event
 *   loop, which measures the stack under contention; propagation is timed from
 *   an explicit republish to the moment every other agent holds it.
 * Per N: time until the whole mesh converged; advert propagation to every
 * agent (p50, p99); memory per agent (process RSS, or RSS growth / N).
 * And, once: adverts validated per second by one agent (the full validator,
 * signature included), against the same loop verifying with @noble/ed25519 as
 * the baseline that decided node:crypto for verification.
 */
import '../src/polyfill.js'
import { existsSync } from 'node:fs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as ed from '@noble/ed25519'
import { MarketView } from '../src/node/market/market-view.js'
import { type Advert, classId, signAdvert, validateAdvert } from '../src/protocols/advert.js'
import { SignedAdvert } from '../src/protocols/proto/advert.js'
import { type Bytes, SignatureDomain, signable } from '../src/protocols/signing.js'
import { createLogger } from '../src/runtime/log.js'
import { SMALL, startMesh, waitConverged } from '../src/testnet/mesh.js'
import { processMesh } from './mesh-processes.js'

const sizes = (process.env.BENCH_SIZES ?? '10,25,50').split(',').map(Number)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const MODE = process.env.BENCH_MODE ?? 'both'
const MEASURE_MS = Number(process.env.BENCH_WINDOW_MS ?? 30_000)
const log = createLogger('silent')

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN
}
const gc = (): void => (globalThis as { gc?: () => void }).gc?.()
const mib = (b: number): string => (b / 2 ** 20).toFixed(1)

async function meshRun(n: number): Promise<void> {
  gc()
  const rss0 = process.memoryUsage().rss
  const t0 = Date.now()
  const mesh = await startMesh({ agents: n, otherClassAgents: 0, timeoutMs: 120_000, log })
  const startedMs = Date.now() - t0
  const convergedMs = await waitConverged(mesh.agents, 120_000)
  gc()
  const perAgent = (process.memoryUsage().rss - rss0) / n
  const lat: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const src = mesh.agents[r % n]!
    const vm = src.peerId.toString()
    const before = src.market.size >= 0 ? (mesh.agents[(r + 1) % n]!.market.get(vm)?.sequence ?? 0n) : 0n
    const start = performance.now()
    await src.republish()
    const others = mesh.agents.filter((a) => a !== src)
    while (!others.every((a) => (a.market.get(vm)?.sequence ?? 0n) > before)) {
      if (performance.now() - start > 30_000) break
      await new Promise((res) => setImmediate(res))
    }
    lat.push(performance.now() - start)
    // Stay under the per-peer rate limit (1 advert/s sustained) across rounds.
    await new Promise((res) => setTimeout(res, 100))
  }
  console.log(
    `N=${String(n).padStart(3)}  start ${(startedMs / 1000).toFixed(1)} s  converged ${
      convergedMs === null ? 'NO' : `${(convergedMs / 1000).toFixed(2)} s`
    }  propagation to all p50 ${pct(lat, 50).toFixed(1)} ms p99 ${pct(lat, 99).toFixed(1)} ms  memory/agent ${mib(perAgent)} MiB`,
  )
  await mesh.stop()
}

async function validationRun(): Promise<void> {
  const COUNT = 2000
  const now = Date.now()
  const adverts: Uint8Array[] = []
  for (let i = 0; i < 200; i++) {
    const key = await generateKeyPair('Ed25519')
    for (let s = 0; s < COUNT / 200; s++) {
      const a: Advert = {
        vm: peerIdFromPrivateKey(key).toString(),
        instanceClass: SMALL,
        location: `host-${i}`,
        profile: { cpu: { median: 1000, spread: 10, samples: 30, windowMs: 600_000 } },
        needs: { cpu: 0.5 },
        askMicros: 0n,
        attestations: [],
        sequence: BigInt(s + 1),
        issuedAtMs: now,
        expiresAtMs: now + 600_000,
      }
      adverts.push(signAdvert(a, key.raw.subarray(0, 32), key.publicKey.raw as Bytes))
    }
  }
  const topicClassId = classId(SMALL)
  const market = new MarketView()
  let t = performance.now()
  for (const data of adverts) {
    const ad = validateAdvert(data, { topicClassId, nowMs: now, lastSequence: undefined })
    market.upsert(ad)
  }
  const ours = COUNT / ((performance.now() - t) / 1000)
  t = performance.now()
  for (const data of adverts) {
    const env = SignedAdvert.decode(data)
    ed.verify(env.signature, signable(SignatureDomain.advert, env.payload), env.publicKey)
  }
  const noble = COUNT / ((performance.now() - t) / 1000)
  console.log(
    `validation: ${ours.toFixed(0)} adverts/s through the full validator (node:crypto verify); baseline @noble/ed25519 verify alone ${noble.toFixed(0)}/s`,
  )
}

async function processRun(n: number): Promise<void> {
  const r = await processMesh(n, MEASURE_MS, log)
  const rss = r.rssBytes.reduce((a, b) => a + b, 0) / Math.max(1, r.rssBytes.length)
  console.log(
    `N=${String(n).padStart(3)}  processes up ${(r.startedMs / 1000).toFixed(1)} s  converged ${
      r.convergedMs === null ? 'NO' : `${(r.convergedMs / 1000).toFixed(2)} s`
    }  propagation to all p50 ${pct(r.latencies, 50).toFixed(0)} ms p99 ${pct(r.latencies, 99).toFixed(0)} ms (${
      r.latencies.length
    } adverts)  RSS/agent ${mib(rss)} MiB`,
  )
}

console.log(`bench:mesh on Node ${process.version}, ${sizes.join('/')} agents, mode ${MODE}`)
await validationRun()
if (MODE === 'processes' || MODE === 'both') {
  const how = existsSync('dist/src/cli/main.js') ? 'built CLI' : 'tsx'
  console.log(`-- each agent its own process (${how}), ${MEASURE_MS / 1000} s window:`)
  for (const n of sizes) await processRun(n)
}
if (MODE === 'inprocess' || MODE === 'both') {
  console.log(`-- all nodes in one process, ${ROUNDS} republish rounds:`)
  for (const n of sizes) await meshRun(n)
}
