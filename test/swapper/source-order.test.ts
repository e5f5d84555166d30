/**
 * sourceFirstOrder: a fresh apply reads staged local copies from their
 * sources, each before this apply overwrites it, and only the rest (one per
 * cycle of copies) from staging. Checked by running the plan on an in-memory
 * disk that refuses a read of an overwritten source, and through applyPlan on
 * a real staging file whose copies of those blocks are garbage.
 */
import { join } from 'node:path'
import t from 'tap'
import { Uint8ArrayList } from 'uint8arraylist'
import { openDisk } from '../../src/swapper/disk.js'
import { type BlockIndex, indexDisk } from '../../src/swapper/index/block-index.js'
import { makePlan, type Plan } from '../../src/swapper/plan/plan.js'
import { sourceFirstOrder } from '../../src/swapper/plan/source-order.js'
import { applyPlan, windowBounds } from '../../src/swapper/staging/apply.js'
import { stageLocal } from '../../src/swapper/staging/stage-local.js'
import { Staging } from '../../src/swapper/staging/staging.js'
import { seeded, writeImage } from './helpers.js'

const BS = 4096

/** A local image of distinct blocks, and a target built block by block: `spec[i]` is a local block to take, 'new' or 'zero'. */
function images(spec: (number | 'new' | 'zero')[]) {
  const n = spec.length
  const local = seeded(n * BS, 1)
  const fresh = seeded(n * BS, 2)
  const target = Buffer.alloc(n * BS)
  spec.forEach((s, i) => {
    if (s === 'new') fresh.copy(target, i * BS, i * BS, (i + 1) * BS)
    else if (s !== 'zero') local.copy(target, i * BS, s * BS, (s + 1) * BS)
  })
  return { local, target }
}

async function planFor(dir: string, local: Buffer, target: Buffer, maxWindows = 1) {
  const lp = join(dir, `local-${maxWindows}.img`)
  const tp = join(dir, `target-${maxWindows}.img`)
  await writeImage(lp, local)
  await writeImage(tp, target)
  const ld = await openDisk(lp)
  const td = await openDisk(tp)
  const li = await indexDisk(ld, BS)
  const ti = await indexDisk(td, BS)
  await ld.close()
  await td.close()
  return { plan: makePlan(li, ti, { maxWindows }), ti }
}

/**
 * Runs the plan's windows in memory as a fresh apply does: zeros, then the
 * source-first runs, each read whole and then written whole (a read of a block
 * an earlier run wrote fails), then the staged rest (staging holds target
 * bytes), then in-place copies. Returns the disk and how many entries read
 * staging.
 */
function simulate(
  plan: Plan,
  local: Buffer,
  target: Buffer,
  maxRun = 256,
): { disk: Buffer; fromStaging: number } {
  const disk = Buffer.from(local)
  const written = new Uint8Array(plan.blockCount)
  const bounds = {
    zero: windowBounds(plan.zeroWindows, plan.windowCount),
    write: windowBounds(plan.writeWindows, plan.windowCount),
    copy: windowBounds(plan.copyWindows, plan.windowCount),
  }
  const put = (block: number, bytes: Buffer) => {
    bytes.copy(disk, block * BS)
    written[block] = 1
  }
  const block = (b: Buffer, i: number) => Buffer.from(b.subarray(i * BS, (i + 1) * BS))
  let fromStaging = 0
  for (let w = 0; w < plan.windowCount; w++) {
    for (let k = bounds.zero[w]!; k < bounds.zero[w + 1]!; k++) put(plan.zeroBlocks[k]!, Buffer.alloc(BS))
    const so = sourceFirstOrder(plan, w, bounds, maxRun)
    const seen = new Set<number>()
    if (so.runStarts.at(-1) !== so.fromSource.length) throw new Error('runs do not cover the list')
    for (let q = 0; q + 1 < so.runStarts.length; q++) {
      const run: [number, Buffer][] = []
      const first = so.runStarts[q]!
      const n = so.runStarts[q + 1]! - first
      if (n < 1 || n > maxRun) throw new Error(`run ${q} of ${n} blocks (at most ${maxRun})`)
      for (let e = first; e < first + n; e++) {
        const k = so.fromSource[e]!
        const src = so.sources[e]!
        if (written[src] === 1) throw new Error(`entry ${k} reads block ${src} after this apply wrote it`)
        if (plan.slots[plan.writeSlots[k]!]!.source !== src)
          throw new Error(`entry ${k}: wrong source ${src}`)
        if (
          e > first &&
          (src !== so.sources[e - 1]! + 1 ||
            plan.writeBlocks[k] !== plan.writeBlocks[so.fromSource[e - 1]!]! + 1)
        )
          throw new Error(`run ${q} is not consecutive`)
        seen.add(k)
        run.push([plan.writeBlocks[k]!, block(disk, src)])
      }
      for (const [t, bytes] of run) put(t, bytes)
    }
    for (const k of so.fromStaging) {
      seen.add(k)
      put(plan.writeBlocks[k]!, block(target, plan.writeBlocks[k]!))
    }
    fromStaging += so.fromStaging.length
    if (seen.size !== bounds.write[w + 1]! - bounds.write[w]!)
      throw new Error(`window ${w}: entries lost or doubled`)
    for (let k = bounds.copy[w]!; k < bounds.copy[w + 1]!; k++)
      put(plan.copyTargets[k]!, block(disk, plan.copySources[k]!))
  }
  return { disk, fromStaging }
}

t.test('a shift either way reads every source before overwriting it, nothing from staging', async (t) => {
  const n = 64
  for (const [name, spec] of [
    // block i takes i + 3: read ahead of the writes
    ['forward', Array.from({ length: n }, (_, i) => (i + 3 < n ? i + 3 : 'new'))],
    // block i takes i - 3: the order must run from the top down
    ['backward', Array.from({ length: n }, (_, i) => (i >= 3 ? i - 3 : 'new'))],
  ] as const) {
    const { local, target } = images([...spec])
    const { plan } = await planFor(t.testdir(), local, target)
    t.ok(plan.counts.local > 50, `${name}: most blocks are local copies through staging`)
    const r = simulate(plan, local, target)
    t.ok(r.disk.equals(target), `${name}: the disk becomes the target`)
    t.equal(r.fromStaging, plan.counts.fetched, `${name}: only fetched blocks come from staging`)
  }
})

t.test('a swap of two blocks and a ring of three each take one block from staging', async (t) => {
  // 0 <-> 1, and 2 -> 3 -> 4 -> 2; the rest stays
  const spec: (number | 'new' | 'zero')[] = [1, 0, 3, 4, 2, 5, 6, 7]
  const { local, target } = images(spec)
  const { plan } = await planFor(t.testdir(), local, target)
  const r = simulate(plan, local, target)
  t.ok(r.disk.equals(target))
  t.equal(r.fromStaging, 2, 'one per cycle')
})

t.test('shared sources, zeros over sources, and fetched blocks over sources', async (t) => {
  // blocks 0 and 1 both take 5; block 5 becomes zero; block 6 is fetched over
  // a source that 7 reads; 8 takes 9 and 9 takes 8 (a swap)
  const spec: (number | 'new' | 'zero')[] = [5, 5, 2, 3, 4, 'zero', 'new', 6, 9, 8, 10, 11]
  const { local, target } = images(spec)
  const { plan } = await planFor(t.testdir(), local, target)
  const r = simulate(plan, local, target)
  t.ok(r.disk.equals(target))
  // 0 and 1 read block 5, zeroed before any staged write: staging; 7 reads 6
  // before the fetched block lands; the swap costs one
  t.equal(r.fromStaging, plan.counts.fetched + 2 + 1)
})

t.test('random moves, one window and several (seeded)', async (t) => {
  for (let seed = 1; seed <= 12; seed++) {
    let x = seed * 7919
    const rnd = (m: number) => {
      x = (x * 1103515245 + 12345) % 2147483648
      return x % m
    }
    const n = 200 + rnd(300)
    const spec = Array.from({ length: n }, (_, i): number | 'new' | 'zero' => {
      const r = rnd(10)
      if (r < 2) return i
      if (r < 3) return 'zero'
      if (r < 4) return 'new'
      if (r < 7) return Math.min(n - 1, Math.max(0, i + rnd(9) - 4)) // short moves: chains
      return rnd(n)
    })
    const { local, target } = images(spec)
    for (const maxWindows of [1, 4]) {
      const { plan } = await planFor(t.testdir(), local, target, maxWindows)
      for (const maxRun of [1, 3, 256]) {
        const r = simulate(plan, local, target, maxRun)
        if (!r.disk.equals(target))
          t.fail(`seed ${seed}, ${maxWindows} windows, runs of ${maxRun}: wrong disk`)
      }
    }
  }
  t.pass('every random plan ends at its target without reading an overwritten source')
})

t.test('applyPlan on a fresh run reads sources, not staging; a resumed run reads staging', async (t) => {
  const dir = t.testdir()
  const n = 600
  // files shifted by a few blocks, some new content, a swap
  const spec = Array.from({ length: n }, (_, i): number | 'new' | 'zero' =>
    i % 50 === 7 ? 'new' : i < 300 ? Math.min(n - 1, i + 2) : Math.max(0, i - 3),
  )
  spec[10] = 11
  spec[11] = 10
  const { local, target } = images(spec)
  const { plan, ti } = await planFor(dir, local, target)
  const garbled = async (
    name: string,
  ): Promise<{ staging: Staging; disk: Awaited<ReturnType<typeof openDisk>> }> => {
    const path = join(dir, `${name}.img`)
    await writeImage(path, local)
    const disk = await openDisk(path, { writable: true })
    const staging = await Staging.open(join(dir, `${name}.staging`), plan.slots.length, BS)
    await stageLocal(
      staging,
      plan,
      ti as BlockIndex,
      disk,
      plan.slots.map((_, k) => k),
    )
    for (let k = 0; k < plan.slots.length; k++) {
      const s = plan.slots[k]!
      // fetched slots hold the peer's bytes; local ones hold garbage, so a
      // block read back from staging instead of its source shows
      const bytes =
        s.from === 'peer' ? target.subarray(s.source * BS, (s.source + 1) * BS) : Buffer.alloc(BS, 0xee)
      await staging.write(k, new Uint8ArrayList(Uint8Array.from(bytes)))
    }
    await staging.sync()
    return { staging, disk }
  }
  // the entries on cycles need their staged copies: put them back
  const fix = async (staging: Staging) => {
    const so = sourceFirstOrder(
      plan,
      0,
      {
        zero: windowBounds(plan.zeroWindows, 1),
        write: windowBounds(plan.writeWindows, 1),
        copy: windowBounds(plan.copyWindows, 1),
      },
      256,
    )
    for (const k of so.fromStaging) {
      const b = plan.writeBlocks[k]!
      await staging.write(
        plan.writeSlots[k]!,
        new Uint8ArrayList(Uint8Array.from(target.subarray(b * BS, (b + 1) * BS))),
      )
    }
    await staging.sync()
    return so
  }

  const fresh = await garbled('fresh')
  const so = await fix(fresh.staging)
  // two cycles: the swap, and where the two shifts meet (298 reads 300, 300
  // reads 297, 297 reads 299, 299 reads 301, 301 reads 298); runs there are
  // cut every 50 blocks by a fetched one, so a cycle costs at most one run
  const cycles = so.fromStaging.length - plan.counts.fetched
  t.ok(cycles >= 2 && cycles <= 2 * 50, `one run per cycle from staging (${cycles} blocks)`)
  t.ok(so.fromSource.length >= 0.9 * plan.counts.local, 'nine in ten local copies read from their sources')
  /** Applies the plan over `run`'s disk and staging; returns the disk's bytes. */
  const apply = async (run: Awaited<ReturnType<typeof garbled>>, sourcesIntact: boolean) => {
    await applyPlan(plan, run.staging, ti, run.disk, { sourcesIntact })
    const bytes = Buffer.alloc(n * BS)
    await run.disk.read(bytes, 0)
    await run.staging.close()
    await run.disk.close()
    return bytes
  }
  t.ok(
    (await apply(fresh, true)).equals(target),
    'fresh: the disk is the target though staging holds garbage for the rest',
  )

  const resumed = await garbled('resumed')
  await fix(resumed.staging)
  t.notOk((await apply(resumed, false)).equals(target), 'resumed: staging is what apply reads (garbage here)')
})
