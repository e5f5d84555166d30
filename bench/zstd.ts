/**
 * bench:zstd — zstd bindings measured on the swap's own data (no pass/fail).
 *
 * The swap compresses each batch of blocks at ZSTD_LEVEL and sends it
 * compressed only when that saves COMPRESS_MIN_SAVING (src/swapper/transfer/
 * codec.ts); the receiver outlines a frame before decoding it (zstd-frame.ts)
 * and refuses one that can decode to far more than the batch. Zero
 * blocks and blocks seen before are never fetched (plan.ts), so the batches
 * here are the image's non-zero blocks, first occurrence only, in disk order,
 * MAX_BATCH_BYTES of them per batch (as fetch.ts cuts them).
 *
 * Images: ext4 images made with `mkfs.ext4 -d DIR` (no root needed) of
 * /usr/share (text, docs, locales: compressible) and /usr/bin (executables),
 * or the files given in BENCH_IMAGES (comma-separated). Every candidate
 * round-trips every other's frames (zstd frames are zstd frames) before
 * anything is timed.
 *
 * Candidates that are not installed are skipped with the command that adds
 * them for a run: `npm i --no-save --ignore-scripts PKG` (zstd-napi, the
 * former binding, also needs its install script: `npm i --no-save zstd-napi`).
 *
 * Columns: MB/s by the wall clock and MB per CPU second of the process (the
 * thread pool's included: on a loaded machine the steadier of the two);
 * compression ratio, and the wire ratio once batches that do not pay are
 * sent raw; the most blocks in a frame and the largest outline bound over
 * the batch's size (what codec.ts's MAX_DECODED_RATIO must stay above).
 *
 * Knobs: BENCH_MIB (64: MiB of batches taken from each image, spread over
 * it), BENCH_ROUNDS (5: rounds, candidates interleaved in each, so that a
 * loaded machine shows as a range), BENCH_BATCH_BLOCKS (256,16: blocks per
 * batch, 4 KiB each; 256 is a full batch, fewer shows the per-call cost),
 * BENCH_IN_FLIGHT (4: async calls outstanding, as DEFAULT_WINDOW requests).
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COMPRESS_MIN_SAVING, MAX_BATCH_BYTES, ZSTD_LEVEL } from '../src/protocols/swap-constants.js'
import { BatchDecompressor } from '../src/swapper/transfer/codec.js'
import { outlineZstdFrame } from '../src/swapper/transfer/zstd-frame.js'
import { DEFAULT_WINDOW } from '../src/swapper/tuning.js'

const BLOCK = 4096
const MIB = Number(process.env.BENCH_MIB ?? 64)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const BATCH_BLOCKS = (process.env.BENCH_BATCH_BLOCKS ?? `${MAX_BATCH_BYTES / BLOCK},16`)
  .split(',')
  .map(Number)
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? DEFAULT_WINDOW)

const require = createRequire(import.meta.url)

type Bytes = Uint8Array
/** One way of calling one binding: sync calls return bytes, async ones a promise of them. */
interface Candidate {
  name: string
  /** The package it needs, for the skip message. */
  pkg: string
  kind: 'sync' | 'async'
  /** Its frames are what VBoom agents send: decompression is timed on them. */
  sender?: boolean
  compress?: (raw: Bytes) => Bytes | Promise<Bytes>
  /** Must return exactly `rawLength` bytes or throw. */
  decompress?: (z: Bytes, rawLength: number) => Bytes | Promise<Bytes>
}

/** Loads what is installed; says how to get the rest. */
async function loadCandidates(): Promise<Candidate[]> {
  const out: Candidate[] = []
  const skip = (pkg: string, err: unknown) =>
    console.log(
      `skip ${pkg}: ${(err as Error).message.split('\n')[0]} (npm i --no-save --ignore-scripts ${pkg})`,
    )

  // the receiving side of the project's codec as the swap calls it (its checks
  // included); its sending side is the binding's compress call and a length test
  const decompressor = new BatchDecompressor()
  out.push({
    name: 'codec.ts BatchDecompressor',
    pkg: 'vboom',
    kind: 'sync',
    decompress: (z, n) => decompressor.decompress(z, n),
  })

  try {
    const napi = require('zstd-napi')
    const binding = require('zstd-napi/binding.js')
    const dctx = new binding.DCtx()
    out.push({
      name: 'zstd-napi sync',
      pkg: 'zstd-napi',
      kind: 'sync',
      compress: (raw) => napi.compress(raw, { compressionLevel: ZSTD_LEVEL }),
      decompress: (z, n) => {
        const o = new Uint8Array(n)
        if (dctx.decompress(o, z) !== n) throw new RangeError('size')
        return o
      },
    })
  } catch (err) {
    skip('zstd-napi', err)
  }

  try {
    // index.js drops the level argument (always level 3): the binding itself takes it
    const mongo = require('@mongodb-js/zstd/bindings.js')
    out.push({
      name: '@mongodb-js/zstd 1.2 async',
      pkg: '@mongodb-js/zstd@1.2.2',
      kind: 'async',
      compress: (raw) => mongo.compress(raw, ZSTD_LEVEL),
      decompress: (z) => mongo.decompress(z),
    })
  } catch (err) {
    skip('@mongodb-js/zstd@1.2.2', err)
  }

  try {
    const { Encoder, Decoder } = require('@toondepauw/node-zstd')
    const enc = new Encoder(ZSTD_LEVEL)
    const dec = new Decoder()
    out.push({
      name: '@toondepauw/node-zstd sync',
      pkg: '@toondepauw/node-zstd',
      kind: 'sync',
      sender: true,
      compress: (raw) => enc.encodeSync(raw),
      decompress: (z) => dec.decodeSync(z),
    })
    out.push({
      name: '@toondepauw/node-zstd async',
      pkg: '@toondepauw/node-zstd',
      kind: 'async',
      compress: (raw) => enc.encode(raw),
      decompress: (z) => dec.decode(z),
    })
  } catch (err) {
    skip('@toondepauw/node-zstd', err)
  }

  try {
    const wasm = require('@bokuweb/zstd-wasm')
    await wasm.init()
    out.push({
      name: '@bokuweb/zstd-wasm sync',
      pkg: '@bokuweb/zstd-wasm',
      kind: 'sync',
      compress: (raw) => wasm.compress(raw, ZSTD_LEVEL),
      decompress: (z) => wasm.decompress(z),
    })
  } catch (err) {
    skip('@bokuweb/zstd-wasm', err)
  }

  return out
}

/** ext4 images of real files, made without root; removed at exit unless given. */
function images(): { name: string; path: string }[] {
  if (process.env.BENCH_IMAGES)
    return process.env.BENCH_IMAGES.split(',').map((p) => ({ name: p.split('/').pop()!, path: p }))
  const dir = mkdtempSync(join(tmpdir(), 'vboom-bench-zstd-'))
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  const made: { name: string; path: string }[] = []
  for (const [src, size] of [
    ['/usr/share', '1G'],
    ['/usr/bin', '512M'],
  ] as const) {
    if (!existsSync(src)) continue
    const path = join(dir, `${src.replaceAll('/', '_')}.img`)
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', src, path, size], { stdio: 'inherit' })
    made.push({ name: `ext4 of ${src} (${size})`, path })
  }
  return made
}

/** Non-zero, first-seen 4 KiB blocks of `path`, `perBatch` to a batch, MIB of them spread over the image. */
function batchesOf(path: string, perBatch: number): Bytes[] {
  const img = readFileSync(path)
  const seen = new Set<string>()
  const blocks: Bytes[] = []
  for (let off = 0; off + BLOCK <= img.length; off += BLOCK) {
    const b = img.subarray(off, off + BLOCK)
    if (b.every((x) => x === 0)) continue
    const h = createHash('sha1').update(b).digest('base64')
    if (seen.has(h)) continue
    seen.add(h)
    blocks.push(b)
  }
  const all: Bytes[] = []
  for (let k = 0; k + perBatch <= blocks.length; k += perBatch) {
    const batch = new Uint8Array(perBatch * BLOCK)
    for (let j = 0; j < perBatch; j++) batch.set(blocks[k + j]!, j * BLOCK)
    all.push(batch)
  }
  const want = Math.max(1, Math.floor((MIB * 1024 * 1024) / (perBatch * BLOCK)))
  if (all.length <= want) return all
  const step = all.length / want
  return Array.from({ length: want }, (_, i) => all[Math.floor(i * step)]!)
}

/**
 * Runs `n` sync calls in a row, or async ones `inFlight` at a time: wall
 * seconds, and CPU seconds of the whole process (the thread pool's included),
 * which a loaded machine disturbs far less than the wall clock.
 */
async function timed(
  kind: 'sync' | 'async',
  inFlight: number,
  n: number,
  call: (i: number) => Bytes | Promise<Bytes>,
): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  if (kind === 'sync') for (let i = 0; i < n; i++) call(i)
  else {
    let next = 0
    const lane = async () => {
      while (next < n) await call(next++)
    }
    await Promise.all(Array.from({ length: inFlight }, lane))
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 }
}

const equal = (a: Bytes, b: Bytes) => a.length === b.length && Buffer.compare(a, b) === 0

interface Row {
  /** MB/s by the wall clock, and MB per CPU second. */
  comp: number[]
  compCpu: number[]
  decomp: number[]
  decompCpu: number[]
  ratio: number
  wire: number
  paying: number
  /** Largest bound on decoded size (zstd-frame.ts) over raw size, and most blocks in a frame. */
  bound: number
  blocks: number
}

async function main(): Promise<void> {
  const candidates = await loadCandidates()
  console.log(
    `zstd level ${ZSTD_LEVEL}, ${MIB} MiB of batches per image, ${ROUNDS} rounds, async: 1 and ${IN_FLIGHT} in flight`,
  )
  for (const img of images()) {
    for (const perBatch of BATCH_BLOCKS) {
      const batches = batchesOf(img.path, perBatch)
      const raw = batches.reduce((n, b) => n + b.length, 0)
      console.log(
        `\n## ${img.name}: ${batches.length} batches of ${perBatch} blocks (${(raw / 2 ** 20).toFixed(0)} MiB)`,
      )
      // frames of each compressor, checked by every decompressor
      const frames = new Map<Candidate, Bytes[]>()
      for (const c of candidates) {
        if (c.compress === undefined) continue
        const z: Bytes[] = []
        for (const b of batches) z.push(await c.compress(b))
        frames.set(c, z)
      }
      for (const d of candidates) {
        if (d.decompress === undefined) continue
        for (const [c, z] of frames)
          for (let i = 0; i < batches.length; i++) {
            const out = await d.decompress(z[i]!, batches[i]!.length)
            if (!equal(out, batches[i]!)) throw new Error(`${d.name} misread a frame of ${c.name}`)
          }
      }
      const rows = new Map<string, Row>()
      for (const c of candidates) {
        const z = frames.get(c)
        let zBytes = 0
        let wire = 0
        let paying = 0
        let bound = 0
        let blocks = 0
        for (let i = 0; i < (z?.length ?? 0); i++) {
          zBytes += z![i]!.length
          const o = outlineZstdFrame(z![i]!)
          bound = Math.max(bound, o.maxDecodedSize / batches[i]!.length)
          blocks = Math.max(blocks, o.blocks)
          const pays = z![i]!.length <= batches[i]!.length * (1 - COMPRESS_MIN_SAVING)
          if (pays) paying++
          wire += pays ? z![i]!.length : batches[i]!.length
        }
        rows.set(c.name, {
          comp: [],
          compCpu: [],
          decomp: [],
          decompCpu: [],
          ratio: raw / zBytes,
          wire: raw / wire,
          paying,
          bound,
          blocks,
        })
        if (c.kind === 'async')
          rows.set(`${c.name} x${IN_FLIGHT}`, {
            ...rows.get(c.name)!,
            comp: [],
            compCpu: [],
            decomp: [],
            decompCpu: [],
          })
      }
      // decompression timed on the frames VBoom agents send
      const sender = candidates.find((c) => c.sender && frames.has(c)) ?? frames.keys().next().value!
      const sent = frames.get(sender)!
      console.log(`decompression timed on frames of ${sender.name}`)
      for (let r = 0; r < ROUNDS; r++) {
        for (const c of candidates) {
          for (const inFlight of c.kind === 'sync' ? [1] : [1, IN_FLIGHT]) {
            const row = rows.get(inFlight === 1 ? c.name : `${c.name} x${inFlight}`)!
            if (c.compress !== undefined) {
              const s = await timed(c.kind, inFlight, batches.length, (i) => c.compress!(batches[i]!))
              row.comp.push(raw / 1e6 / s.wall)
              row.compCpu.push(raw / 1e6 / s.cpu)
            }
            if (c.decompress !== undefined) {
              const s = await timed(c.kind, inFlight, batches.length, (i) =>
                c.decompress!(sent[i]!, batches[i]!.length),
              )
              row.decomp.push(raw / 1e6 / s.wall)
              row.decompCpu.push(raw / 1e6 / s.cpu)
            }
          }
        }
      }
      const range = (xs: number[]) => {
        if (xs.length === 0) return '-'
        const s = [...xs].sort((a, b) => a - b)
        return `${s[0]!.toFixed(0)}-${s.at(-1)!.toFixed(0)} (med ${s[Math.floor(s.length / 2)]!.toFixed(0)})`
      }
      console.log(
        '| candidate | compress MB/s | compress MB/CPU-s | decompress MB/s | decompress MB/CPU-s | ratio | wire ratio (1/8 rule) | batches sent compressed | blocks per frame, most | bound / size, most |',
      )
      console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
      for (const [name, row] of rows) {
        const ratio = Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : '-'
        const wire = Number.isFinite(row.ratio) ? row.wire.toFixed(2) : '-'
        const pay = Number.isFinite(row.ratio) ? `${row.paying}/${batches.length}` : '-'
        const shape = Number.isFinite(row.ratio) ? `${row.blocks} | ${row.bound.toFixed(3)}` : '- | -'
        console.log(
          `| ${name} | ${range(row.comp)} | ${range(row.compCpu)} | ${range(row.decomp)} | ${range(row.decompCpu)} | ${ratio} | ${wire} | ${pay} | ${shape} |`,
        )
      }
    }
  }
}

await main()
