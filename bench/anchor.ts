/**
 * bench:anchor — figures of the anchor, printed (no pass/fail):
 * 1. ledger appends per second (fsync per append, the default, and without),
 *    and verify-ledger speed (entries per second, every signature checked);
 * 2. sandbox overhead of the CPU benchmark against the same kernel run
 *    natively: C (-O2, when gcc is installed), plain JavaScript, and the same
 *    WebAssembly module instantiated directly without the sandbox;
 * 3. requests per second the anchor serves with 50 concurrent agents, all in
 *    ONE process (the anchor and 50 libp2p hosts share one event loop on two
 *    cores, so these are floors: a real anchor has its cores to itself).
 * Knobs: BENCH_APPENDS (2000), BENCH_AGENTS (50), BENCH_SECONDS (10).
 */
import '../src/polyfill.js'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { AnchorNode } from '../src/anchor/anchor-node.js'
import { signBenchmark } from '../src/anchor/benchmarks/sign.js'
import { STANDARD_SUITE } from '../src/anchor/benchmarks/suite.js'
import { compileWat } from '../src/anchor/benchmarks/wat.js'
import { loadOrCreateAnchorKey } from '../src/anchor/key.js'
import { Ledger, verifyLedger } from '../src/anchor/ledger/index.js'
import { AnchorClient } from '../src/node/anchor-client.js'
import { AnchorCoordinatorClient } from '../src/node/anchor-coordinator-client.js'
import { buildSignedAction } from '../src/protocols/ledger-action.js'
import { generateSecretKey, publicKeyOf } from '../src/protocols/signing.js'
import { createHost, type Host } from '../src/runtime/libp2p-host.js'
import { createLogger } from '../src/runtime/log.js'
import { runBenchmark } from '../src/runtime/sandbox/index.js'

const APPENDS = Number(process.env.BENCH_APPENDS ?? 2000)
const AGENTS = Number(process.env.BENCH_AGENTS ?? 50)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const work = mkdtempSync(join(tmpdir(), 'vboom-bench-anchor-'))
const keys = () => {
  const secretKey = generateSecretKey()
  return { secretKey, publicKey: publicKeyOf(secretKey) }
}
/** The project's lib has no WebAssembly declarations (see src/runtime/sandbox/wasm-api.ts): the two calls used, typed here. */
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object
      Instance: new (m: object, imports: object) => { exports: Record<string, unknown> }
    }
  }
).WebAssembly
const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`

async function ledgerFigures(): Promise<void> {
  console.log('\n## ledger')
  for (const sync of [true, false]) {
    const dir = join(work, `ledger-${sync}`)
    const anchorKey = await loadOrCreateAnchorKey(dir)
    const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey, sync })
    const n = sync ? Math.min(APPENDS, 500) : APPENDS
    // Actions signed beforehand: the figure is the ledger's, not the clients' signing.
    const actions = Array.from({ length: n }, (_, i) => {
      const k = keys()
      return buildSignedAction({ kind: 'owner-registered', owner: k.publicKey, name: `owner-${i}` }, [k])
    })
    const t0 = performance.now()
    await Promise.all(actions.map((a) => ledger.append(a)))
    const ms = performance.now() - t0
    await ledger.close()
    console.log(
      `appends, ${sync ? 'fsync each (default)' : 'no fsync'}: ${n} in ${ms.toFixed(0)} ms = ${rate(n, ms)}`,
    )
    if (!sync) {
      const v0 = performance.now()
      const report = await verifyLedger(join(dir, 'ledger'), anchorKey.publicKey)
      const vms = performance.now() - v0
      console.log(
        `verify-ledger: ${report.entries} entries in ${vms.toFixed(0)} ms = ${rate(report.entries, vms)} (every hash, signature and rule)`,
      )
    }
  }
}

function cpuKernelJs(n: number): number {
  let x = 0x9e3779b9 | 0
  let h = 0x811c9dc5 | 0
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    h = Math.imul(h ^ x, 16777619)
  }
  return h
}

const C_KERNEL = `#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int c, char **v) {
  uint32_t n = (uint32_t)strtoul(v[1], 0, 10), x = 0x9e3779b9u, h = 0x811c9dc5u;
  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  for (uint32_t i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; h = (h ^ x) * 16777619u; }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%f %u\\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6, h);
  return 0;
}`

async function sandboxFigures(): Promise<void> {
  console.log('\n## sandbox overhead: CPU benchmark (xorshift32 + multiply), 100M iterations, median of 5')
  const anchor = keys()
  const cpu = STANDARD_SUITE.find((b) => b.source === 'cpu')!
  const iterations = cpu.manifest.parameters[0]!.value
  const module = await compileWat(
    readFileSync(join(import.meta.dirname, '..', 'benchmarks', 'cpu.wat'), 'utf8'),
  )
  const signed = signBenchmark(module, cpu.manifest, anchor.secretKey)
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const wall: number[] = []
  const inside: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    const r = await runBenchmark(signed, module, anchor.publicKey)
    wall.push(performance.now() - t0)
    inside.push(r.elapsedMs)
  }
  const direct: number[] = []
  for (let i = 0; i < 5; i++) {
    const inst = new Wasm.Instance(new Wasm.Module(module), {
      vboom: { now_us: () => performance.now() * 1000 },
    })
    const t0 = performance.now()
    ;(inst.exports.run as (n: number) => number)(iterations)
    direct.push(performance.now() - t0)
  }
  const js: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    cpuKernelJs(iterations)
    js.push(performance.now() - t0)
  }
  const w = median(wall)
  const k = median(inside)
  console.log(
    `sandboxed (verify + checks + worker + run), wall: ${w.toFixed(1)} ms; kernel inside the worker ${k.toFixed(1)} ms; fixed cost ${(w - k).toFixed(1)} ms`,
  )
  console.log(`same module instantiated directly (no sandbox): ${median(direct).toFixed(1)} ms`)
  console.log(`same kernel in plain JavaScript: ${median(js).toFixed(1)} ms`)
  try {
    const src = join(work, 'cpu.c')
    const bin = join(work, 'cpu')
    writeFileSync(src, C_KERNEL)
    execFileSync('gcc', ['-O2', '-o', bin, src])
    const c: number[] = []
    for (let i = 0; i < 5; i++)
      c.push(
        Number(
          execFileSync(bin, [String(iterations)])
            .toString()
            .split(' ')[0],
        ),
      )
    const n = median(c)
    console.log(
      `same kernel in C (gcc -O2), native: ${n.toFixed(1)} ms; sandboxed kernel / native = ${(k / n).toFixed(2)}x, sandboxed wall / native = ${(w / n).toFixed(2)}x`,
    )
  } catch {
    console.log('gcc not available: no C baseline (the JavaScript figure stands in for native)')
  }
}

async function serviceFigures(): Promise<void> {
  console.log(
    `\n## anchor services: ${AGENTS} concurrent agents, ONE process (anchor + agents share the event loop), ${SECONDS} s each`,
  )
  const anchor = await AnchorNode.create({
    dataDir: join(work, 'anchor'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    addressScope: 'lan',
    log: createLogger('silent'),
  })
  await anchor.start()
  // One agreed swap per pair of agents: each agent asks about its own swap, signed with its VM key.
  const vms = Array.from({ length: AGENTS }, () => keys())
  const swapIds: string[] = []
  for (let i = 0; i < AGENTS; i += 2) {
    const owners = [keys(), keys()]
    for (const [j, o] of owners.entries()) {
      await anchor.ledger.append(
        buildSignedAction({ kind: 'owner-registered', owner: o.publicKey, name: `o${i + j}` }, [o]),
      )
      await anchor.ledger.append(
        buildSignedAction(
          {
            kind: 'location-registered',
            location: `loc-${i + j}`,
            owner: o.publicKey,
            vm: vms[i + j]!.publicKey,
            instanceClass: { vcpus: 2, memoryBytes: 4n << 30n, diskBytes: 20n << 30n },
          },
          [o],
        ),
      )
    }
    const swapId = new Uint8Array(32).map(() => Math.floor(Math.random() * 256))
    await anchor.ledger.append(
      buildSignedAction(
        {
          kind: 'swap-agreed',
          swapId,
          locationA: `loc-${i}`,
          locationB: `loc-${i + 1}`,
          ownerA: owners[0]!.publicKey,
          ownerB: owners[1]!.publicKey,
          vmA: vms[i]!.publicKey,
          vmB: vms[i + 1]!.publicKey,
          agreement: new Uint8Array(64),
        },
        owners,
      ),
    )
    swapIds.push(Buffer.from(swapId).toString('hex'), Buffer.from(swapId).toString('hex'))
  }
  const hosts: Host[] = []
  for (let i = 0; i < AGENTS; i++) {
    const h = await createHost({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [],
      addressScope: 'lan',
      gossip: false,
    })
    await h.start()
    await h.dial(anchor.host.getMultiaddrs()[0]!)
    hosts.push(h)
  }
  const addr = anchor.host.getMultiaddrs()
  const loop = async (name: string, call: (i: number) => Promise<unknown>): Promise<void> => {
    let done = 0
    let failed = 0
    const lat: number[] = []
    const until = performance.now() + SECONDS * 1000
    const t0 = performance.now()
    await Promise.all(
      hosts.map(async (_, i) => {
        while (performance.now() < until) {
          const s = performance.now()
          try {
            await call(i)
            done++
            lat.push(performance.now() - s)
          } catch {
            failed++
          }
        }
      }),
    )
    const ms = performance.now() - t0
    lat.sort((a, b) => a - b)
    const p = (q: number) =>
      (lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? Number.NaN).toFixed(1)
    console.log(
      `${name}: ${rate(done, ms)} (${done} ok, ${failed} failed); latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`,
    )
  }
  const coords = hosts.map((node, i) => new AnchorCoordinatorClient({ node, anchor: addr, key: vms[i]! }))
  await loop('coordinator STATUS (signed call, verified, one stream each)', (i) =>
    coords[i]!.status(swapIds[i]!),
  )
  const catalogs = hosts.map((node) => new AnchorClient({ node, anchor: addr, anchorKey: anchor.publicKey }))
  await loop(`catalog fetch (${anchor.registry.catalogBytes().length} bytes)`, (i) => catalogs[i]!.catalog())
  for (const h of hosts) await h.stop()
  await anchor.stop()
}

try {
  await ledgerFigures()
  await sandboxFigures()
  await serviceFigures()
} finally {
  rmSync(work, { recursive: true, force: true })
}
