import t, { type Test } from 'tap'
import {
  type InPlaceInput,
  type InPlaceSchedule,
  MAX_WRITES,
  scheduleInPlace,
} from '../../src/swapper/plan/apply-order.js'

/** mulberry32: small seeded PRNG, floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
type Rng = () => number
const randInt = (rng: Rng, n: number): number => Math.floor(rng() * n)
function shuffle<T>(rng: Rng, a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1)
    const x = a[i]!
    a[i] = a[j]!
    a[j] = x
  }
  return a
}

interface Case {
  blockCount: number
  copies: [target: number, source: number][]
  others?: number[]
  maxWindows?: number
}
function input(c: Case): InPlaceInput {
  return {
    blockCount: c.blockCount,
    copyTargets: Uint32Array.from(c.copies.map((x) => x[0])),
    copySources: Uint32Array.from(c.copies.map((x) => x[1])),
    otherWrites: Uint32Array.from(c.others ?? []),
    maxWindows: c.maxWindows ?? 64,
  }
}

/** Rules 1 and 2, plus the shape of the result. Returns the first violation, or null. */
function violation(inp: InPlaceInput, s: InPlaceSchedule): string | null {
  const C = inp.copyTargets.length
  const { maxWindows } = inp
  if (s.copyWindow.length !== C || s.otherWindow.length !== inp.otherWrites.length) return 'lengths'
  if (s.windowCount > maxWindows) return `windowCount ${s.windowCount} > ${maxWindows}`
  for (let i = 1; i < s.staged.length; i++) if (s.staged[i]! <= s.staged[i - 1]!) return 'staged not sorted'
  const isStaged = new Uint8Array(C)
  for (const k of s.staged) {
    if (k >= C) return `staged ${k} out of range`
    isStaged[k] = 1
  }
  const writer = new Map<number, number>() // block -> window of its writer
  for (let k = 0; k < C; k++) {
    if (s.copyWindow[k]! >= s.windowCount) return `copy ${k} window out of range`
    writer.set(inp.copyTargets[k]!, s.copyWindow[k]!)
  }
  for (let j = 0; j < inp.otherWrites.length; j++) {
    if (s.otherWindow[j]! >= s.windowCount) return `other ${j} window out of range`
    writer.set(inp.otherWrites[j]!, s.otherWindow[j]!)
  }
  for (let k = 0; k < C; k++) {
    if (isStaged[k]) continue
    const w = writer.get(inp.copySources[k]!)
    if (w !== undefined && !(s.copyWindow[k]! < w)) {
      return `copy ${k} reads block ${inp.copySources[k]} in window ${s.copyWindow[k]}, written in ${w}`
    }
  }
  return null
}

/** Number of cycles in the "reads the target of" graph: the fewest copies any schedule must stage. */
function cycleCount(inp: InPlaceInput): number {
  const writerCopy = new Map<number, number>()
  inp.copyTargets.forEach((tg, k) => {
    writerCopy.set(tg, k)
  })
  const state = new Uint32Array(inp.copyTargets.length) // 0 new, else walk id
  let cycles = 0
  for (let start = 0; start < state.length; start++) {
    let k: number | undefined = start
    const id = start + 1
    while (k !== undefined && state[k] === 0) {
      state[k] = id
      k = writerCopy.get(inp.copySources[k]!)
    }
    if (k !== undefined && state[k] === id) cycles++
  }
  return cycles
}

function expected(inp: InPlaceInput): Int32Array {
  const disk = Int32Array.from({ length: inp.blockCount }, (_, i) => i)
  inp.copyTargets.forEach((tg, k) => {
    disk[tg] = inp.copySources[k]!
  })
  for (const tg of inp.otherWrites) disk[tg] = -1 - tg
  return disk
}

interface Crash {
  window: number
  /** steps of the window executed before the crash */
  after: number
  /** whether executed step i survived (power loss loses some; SIGKILL none) */
  keep: (i: number) => boolean
}

/**
 * Runs the schedule on a disk where block b holds content b, steps of each
 * window in random order, crashing as planned (crashes in nondecreasing window
 * order); after a crash, restarts at the first unrecorded window.
 */
function execute(inp: InPlaceInput, s: InPlaceSchedule, rng: Rng, crashes: Crash[] = []): Int32Array {
  const disk = Int32Array.from({ length: inp.blockCount }, (_, i) => i)
  const isStaged = new Uint8Array(inp.copyTargets.length)
  for (const k of s.staged) isStaged[k] = 1
  const C = inp.copyTargets.length
  const steps: number[][] = Array.from({ length: s.windowCount }, () => [])
  for (let k = 0; k < C; k++) steps[s.copyWindow[k]!]!.push(k)
  for (let j = 0; j < inp.otherWrites.length; j++) steps[s.otherWindow[j]!]!.push(C + j)
  let c = 0
  let next = 0 // first window not recorded
  restart: while (next < s.windowCount) {
    for (let w = next; w < s.windowCount; w++) {
      while (c < crashes.length && crashes[c]!.window < w) c++
      const crash = crashes[c]?.window === w ? crashes[c] : undefined
      const order = shuffle(rng, steps[w]!.slice())
      const limit = crash ? Math.min(crash.after, order.length) : order.length
      const undo: [number, number][] = []
      for (let i = 0; i < limit; i++) {
        const x = order[i]!
        let target: number
        let value: number
        if (x >= C) {
          target = inp.otherWrites[x - C]!
          value = -1 - target
        } else {
          target = inp.copyTargets[x]!
          // staged: the source's original content, saved before the commit point
          value = isStaged[x] ? inp.copySources[x]! : disk[inp.copySources[x]!]!
        }
        undo.push([target, disk[target]!])
        disk[target] = value
      }
      if (crash) {
        for (let i = undo.length - 1; i >= 0; i--) if (!crash.keep(i)) disk[undo[i]![0]] = undo[i]![1]
        c++
        next = w
        continue restart
      }
      next = w + 1 // fsync, record w
    }
  }
  return disk
}

function firstDiff(a: Int32Array, b: Int32Array): string | null {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `block ${i}: ${a[i]} instead of ${b[i]}`
  return null
}

/** Every crash point of every window, with every (or many random) subsets of lost writes. */
function exhaustiveCrashes(inp: InPlaceInput, s: InPlaceSchedule, rng: Rng): string | null {
  const want = expected(inp)
  const sizes = new Array<number>(s.windowCount).fill(0)
  for (const w of s.copyWindow) sizes[w]!++
  for (const w of s.otherWindow) sizes[w]!++
  for (let w = 0; w < s.windowCount; w++) {
    for (let after = 0; after <= sizes[w]!; after++) {
      const masks: ((i: number) => boolean)[] = []
      if (after <= 5) {
        for (let m = 0; m < 1 << after; m++) masks.push((i) => ((m >> i) & 1) === 1)
      } else {
        masks.push(
          () => true,
          () => false,
        )
        for (let r = 0; r < 12; r++) {
          const bits = Array.from({ length: after }, () => rng() < 0.5)
          masks.push((i) => bits[i]!)
        }
      }
      for (const keep of masks) {
        const d = firstDiff(execute(inp, s, rng, [{ window: w, after, keep }]), want)
        if (d) return `crash in window ${w} after ${after} steps: ${d}`
      }
    }
  }
  return null
}

function randomCrashes(s: InPlaceSchedule, rng: Rng, count: number, windowSize: number): Crash[] {
  const out: Crash[] = []
  for (let i = 0; i < count; i++) {
    const bits = Array.from({ length: windowSize + 1 }, () => rng() < 0.5)
    const mode = randInt(rng, 3)
    out.push({
      window: randInt(rng, Math.max(1, s.windowCount)),
      after: randInt(rng, windowSize + 1),
      keep: mode === 0 ? () => true : mode === 1 ? () => false : (j) => bits[j] ?? false,
    })
  }
  return out.sort((a, b) => a.window - b.window)
}

/** Schedules, checks the rules, runs without and with crashes; returns the schedule. */
function verify(
  t: Test,
  c: Case,
  opts: { exhaustive?: boolean; seed?: number; name?: string } = {},
): InPlaceSchedule {
  const inp = input(c)
  const s = scheduleInPlace(inp)
  const rng = prng(opts.seed ?? 1)
  const name = opts.name ?? ''
  const v = violation(inp, s)
  if (v) t.fail(`${name} rules: ${v}`)
  const want = expected(inp)
  const d = firstDiff(execute(inp, s, rng), want)
  if (d) t.fail(`${name} no crash: ${d}`)
  if (!v && !d && opts.exhaustive) {
    const e = exhaustiveCrashes(inp, s, rng)
    if (e) t.fail(`${name} ${e}`)
  }
  if (!v && !d) {
    const maxSize = Math.max(1, ...countPerWindow(s))
    for (let r = 0; r < 8; r++) {
      const e = firstDiff(execute(inp, s, rng, randomCrashes(s, rng, 1 + randInt(rng, 3), maxSize)), want)
      if (e) {
        t.fail(`${name} random crashes: ${e}`)
        break
      }
    }
  }
  return s
}
function countPerWindow(s: InPlaceSchedule): number[] {
  const n = new Array<number>(s.windowCount).fill(0)
  for (const w of s.copyWindow) n[w]!++
  for (const w of s.otherWindow) n[w]!++
  return n
}

/** Copies shifting [start, start + length) by d (target = source + d). */
function shift(start: number, length: number, d: number): [number, number][] {
  return Array.from({ length }, (_, i) => [start + i + d, start + i] as [number, number])
}

t.test('the simulator catches a schedule that ignores the rules', async (t) => {
  const inp = input({
    blockCount: 4,
    copies: [
      [1, 2],
      [2, 1],
    ],
  })
  const bad: InPlaceSchedule = {
    staged: new Uint32Array(0),
    copyWindow: new Uint16Array(2),
    otherWindow: new Uint16Array(0),
    windowCount: 1,
  }
  t.ok(violation(inp, bad), 'rule checker flags the unstaged swap')
  t.ok(firstDiff(execute(inp, bad, prng(3)), expected(inp)), 'simulator gets a wrong disk')
  // a shift run in one window, in the wrong order: some random order must fail
  const shiftIn = input({ blockCount: 8, copies: shift(0, 6, 1) })
  const flat: InPlaceSchedule = { ...bad, copyWindow: new Uint16Array(6) }
  const rng = prng(4)
  let wrong = false
  for (let i = 0; i < 20 && !wrong; i++)
    wrong = firstDiff(execute(shiftIn, flat, rng), expected(shiftIn)) !== null
  t.ok(wrong, 'a shift squeezed into one window goes wrong')
  // crash handling is exercised: a window that overwrites its own sources breaks on replay
  const ring = input({
    blockCount: 3,
    copies: [
      [1, 0],
      [2, 1],
    ],
  })
  const oneWindow: InPlaceSchedule = { ...bad, copyWindow: new Uint16Array(2) }
  // in order [1<-0] then [2<-1] is wrong even without a crash; the order [2<-1],[1<-0] is right
  // unless a crash replays it: after a kept [1<-0], replay reads the new block 1
  let caught = false
  for (let i = 0; i < 50 && !caught; i++) {
    const d = firstDiff(
      execute(ring, oneWindow, prng(i), [{ window: 0, after: 2, keep: () => true }]),
      expected(ring),
    )
    caught = d !== null
  }
  t.ok(caught, 'replaying a window that reads what it writes goes wrong')
})

t.test('shifts forward and backward', async (t) => {
  for (const d of [1, 3, 100]) {
    for (const length of [1, 2, 5, 17, 64, 65, 200, 1000]) {
      for (const sign of [1, -1]) {
        const start = sign > 0 ? 0 : d
        const blockCount = length + d + 1
        const c: Case = { blockCount, copies: shift(start, length, sign * d) }
        const name = `d=${sign * d} L=${length}`
        const s = verify(t, c, { exhaustive: length <= 17, name, seed: length * 7 + d })
        // a shift is d independent chains of about length / d copies: stage floor((chain - 1) / 64) each
        let want = 0
        for (let r = 0; r < d; r++) {
          const chain = Math.ceil(Math.max(0, length - r) / d)
          if (chain > 0) want += Math.floor((chain - 1) / 64)
        }
        t.equal(s.staged.length, want, `${name}: stages ${want}`)
        t.ok(s.windowCount <= 64, `${name}: windows`)
      }
    }
  }
})

t.test('a chain longer than maxWindows stages about chain / maxWindows copies', async (t) => {
  for (const maxWindows of [1, 2, 3, 8, 64]) {
    for (const L of [1, 10, 63, 64, 65, 500, 5000]) {
      const c: Case = { blockCount: L + 1, copies: shift(0, L, 1), maxWindows }
      const s = verify(t, c, { exhaustive: L <= 10, name: `M=${maxWindows} L=${L}` })
      t.ok(s.windowCount <= maxWindows, `M=${maxWindows} L=${L}: ${s.windowCount} windows`)
      t.ok(s.staged.length <= (2 * L) / maxWindows + 2, `M=${maxWindows} L=${L}: ${s.staged.length} staged`)
      // optimal for a chain: segments of at most maxWindows copies
      t.equal(s.staged.length, Math.floor((L - 1) / maxWindows), `M=${maxWindows} L=${L}: optimal`)
    }
  }
  t.equal(scheduleInPlace(input({ blockCount: 10, copies: shift(0, 9, 1) })).windowCount, 9)
})

t.test('swaps and rings are broken by staging one copy each', async (t) => {
  const swap = verify(
    t,
    {
      blockCount: 4,
      copies: [
        [1, 2],
        [2, 1],
      ],
    },
    { exhaustive: true },
  )
  t.equal(swap.staged.length, 1, 'a swap stages one copy')
  for (const n of [3, 4, 10, 64, 65, 200]) {
    // ring: block i gets block (i + 1) % n
    const copies = Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as [number, number])
    const s = verify(t, { blockCount: n, copies }, { exhaustive: n <= 10, name: `ring ${n}` })
    t.equal(s.staged.length, 1 + Math.floor((n - 1) / 64), `ring ${n}`)
  }
  // several disjoint swaps, plus a ring with trees hanging off it and an other write feeding it
  const copies: [number, number][] = [
    [0, 1],
    [1, 0],
    [2, 3],
    [3, 2],
    [10, 11],
    [11, 12],
    [12, 10],
    [13, 10],
    [14, 13],
    [15, 11],
    [16, 20],
  ]
  const s = verify(t, { blockCount: 21, copies, others: [20, 5] }, { exhaustive: true })
  t.equal(s.staged.length, 3, 'one per cycle')
})

t.test('many targets share a source; sources never written impose nothing', async (t) => {
  const fan: [number, number][] = Array.from({ length: 30 }, (_, i) => [i + 1, 0] as [number, number])
  const s = verify(t, { blockCount: 40, copies: fan }, { exhaustive: true })
  t.equal(s.staged.length, 0)
  t.equal(s.windowCount, 1, 'all in one window: nothing reads what they write')
  // the shared source is overwritten: it comes after all of its readers
  const s2 = verify(t, { blockCount: 40, copies: fan, others: [0] }, { exhaustive: true })
  t.equal(s2.windowCount, 2)
  t.equal(s2.otherWindow[0], 1)
  // and a fan in a chain
  const mixed: [number, number][] = [...fan, [0, 35], [35, 36]]
  const s3 = verify(t, { blockCount: 40, copies: mixed }, { exhaustive: true })
  t.equal(s3.staged.length, 0)
  t.equal(s3.windowCount, 3)
  const empty = scheduleInPlace(input({ blockCount: 5, copies: [] }))
  t.equal(empty.windowCount, 0)
  t.equal(empty.staged.length, 0)
  t.equal(scheduleInPlace(input({ blockCount: 5, copies: [], others: [1, 2] })).windowCount, 1)
})

t.test('bad input is a bug of the caller, refused with its own code', async (t) => {
  const bug = (code: string) => ({
    name: 'SwapInternalError',
    code,
    message: /a bug in VBoom.*neither disk has been written/,
  })
  t.throws(() => scheduleInPlace(input({ blockCount: 4, copies: [[1, 1]] })), bug('PLAN_SELF_COPY'))
  t.throws(() => scheduleInPlace(input({ blockCount: 4, copies: [[4, 1]] })), bug('PLAN_TARGET_RANGE'))
  t.throws(() => scheduleInPlace(input({ blockCount: 4, copies: [[1, 4]] })), bug('PLAN_SOURCE_RANGE'))
  t.throws(
    () =>
      scheduleInPlace(
        input({
          blockCount: 4,
          copies: [
            [1, 2],
            [1, 3],
          ],
        }),
      ),
    bug('PLAN_DOUBLE_WRITE'),
  )
  t.throws(
    () => scheduleInPlace(input({ blockCount: 4, copies: [[1, 2]], others: [1] })),
    bug('PLAN_DOUBLE_WRITE'),
  )
  t.throws(
    () => scheduleInPlace(input({ blockCount: 4, copies: [[1, 2]], maxWindows: 0 })),
    bug('PLAN_MAX_WINDOWS'),
  )
  t.throws(
    () => scheduleInPlace(input({ blockCount: 4, copies: [[1, 2]], maxWindows: 70000 })),
    bug('PLAN_MAX_WINDOWS'),
  )
  t.throws(() => scheduleInPlace(input({ blockCount: -1, copies: [] })), bug('PLAN_BLOCK_COUNT'))
  t.throws(
    () => scheduleInPlace({ ...input({ blockCount: 4, copies: [[1, 2]] }), copySources: new Uint32Array(0) }),
    bug('PLAN_COPY_ARRAYS'),
  )
})

t.test(
  'more writes than the planner holds: refused with what to do, before any table is built',
  async (t) => {
    // a view claiming MAX_WRITES + 1 entries without the memory: only its length is read before the refusal
    const others = { length: MAX_WRITES + 1 } as unknown as Uint32Array
    t.throws(() => scheduleInPlace({ ...input({ blockCount: 2 ** 32, copies: [] }), otherWrites: others }), {
      name: 'PlanTooLargeError',
      code: 'PLAN_TOO_MANY_WRITES',
      writes: MAX_WRITES + 1,
      message: /larger block size \(--block-size 8192/,
    })
  },
)

t.test('random copies and writes (seeded property test)', async (t) => {
  const rng = prng(20240607)
  let failures = 0
  for (let n = 0; n < 300 && failures < 3; n++) {
    const blockCount = 2 + randInt(rng, n < 100 ? 12 : 2000)
    const blocks = shuffle(
      rng,
      Array.from({ length: blockCount }, (_, i) => i),
    )
    const nCopies = randInt(rng, blockCount + 1)
    const nOthers = randInt(rng, blockCount - nCopies + 1)
    const targets = blocks.slice(0, nCopies)
    const others = blocks.slice(nCopies, nCopies + nOthers)
    const mode = randInt(rng, 3)
    let sources: number[]
    if (mode === 0) {
      // a permutation of the targets: all cycles
      sources = shuffle(rng, targets.slice())
    } else if (mode === 1) {
      // distinct sources anywhere
      sources = shuffle(
        rng,
        Array.from({ length: blockCount }, (_, i) => i),
      ).slice(0, nCopies)
    } else {
      // few sources shared by many targets
      const pool = Array.from({ length: 1 + randInt(rng, 8) }, () => randInt(rng, blockCount))
      sources = targets.map(() => pool[randInt(rng, pool.length)]!)
    }
    const copies: [number, number][] = []
    targets.forEach((tg, i) => {
      const s = sources[i]!
      if (s !== tg) copies.push([tg, s])
      else others.push(tg)
    })
    const maxWindows = [1, 2, 3, 5, 64, 65536][randInt(rng, 6)]!
    const c: Case = { blockCount, copies, others, maxWindows }
    const before = t.counts.fail
    const s = verify(t, c, { exhaustive: copies.length + others.length <= 8, seed: n, name: `case ${n}` })
    const inp = input(c)
    const cycles = cycleCount(inp)
    if (maxWindows === 1) {
      // plan.ts decides one window without the scheduler: staged exactly when the source is written
      const written = new Set([...copies.map((x) => x[0]), ...others])
      const want = copies.flatMap(([, src], k) => (written.has(src) ? [k] : []))
      if (JSON.stringify([...s.staged]) !== JSON.stringify(want))
        t.fail(
          `case ${n}: one window stages ${[...s.staged]}, not the copies whose source is written ${want}`,
        )
    }
    if (maxWindows === 65536) {
      if (s.staged.length !== cycles) t.fail(`case ${n}: ${s.staged.length} staged, ${cycles} cycles`)
    } else if (s.staged.length > cycles + Math.floor(copies.length / maxWindows)) {
      t.fail(`case ${n}: ${s.staged.length} staged, ${cycles} cycles, ${copies.length} copies`)
    }
    if (t.counts.fail > before) failures++
  }
  t.equal(failures, 0, '300 random cases')
})

t.test('a disk-sized case: 262144 blocks, 130000 copies in shifted runs', async (t) => {
  const rng = prng(77)
  const blockCount = 262144
  const copies: [number, number][] = []
  const others: number[] = []
  let at = 0
  while (copies.length < 130000) {
    const region = 50 + randInt(rng, 3000)
    if (at + region > blockCount) break
    const d = [1, 3, 100, 1 + randInt(rng, 40)][randInt(rng, 4)]!
    const length = Math.min(region - d, 130000 - copies.length)
    if (length <= 0) continue
    // forward or backward shift within [at, at + region)
    copies.push(...(rng() < 0.5 ? shift(at, length, d) : shift(at + d, length, -d)))
    // and a few other writes in the gap, some over sources
    if (rng() < 0.3) others.push(at + length + d < at + region ? at + length + d : at)
    at += region
  }
  // others must not collide with targets
  const targets = new Set(copies.map((c) => c[0]))
  const cleanOthers = [...new Set(others)].filter((b) => !targets.has(b))
  const c: Case = { blockCount, copies, others: cleanOthers }
  t.equal(copies.length, 130000)
  const inp = input(c)
  const t0 = performance.now()
  const s = scheduleInPlace(inp)
  t.comment(
    `scheduled in ${(performance.now() - t0).toFixed(1)} ms: ${s.windowCount} windows, ${s.staged.length} staged`,
  )
  t.equal(violation(inp, s), null, 'rules 1 and 2')
  t.equal(firstDiff(execute(inp, s, rng), expected(inp)), null, 'result')
  const maxSize = Math.max(...countPerWindow(s))
  t.equal(
    firstDiff(execute(inp, s, rng, randomCrashes(s, rng, 3, maxSize)), expected(inp)),
    null,
    'after crashes',
  )
  t.ok(s.staged.length <= Math.ceil(copies.length / 64), 'few staged')
})
