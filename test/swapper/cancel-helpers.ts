/** The image pair and the cancelled swap shared by the cancellation tests (not a test file itself). */
import '../../src/polyfill.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SwapProgressEvent } from '../../src/swapper/events.js'
import type { Role } from '../../src/swapper/index/manifest.js'
import { type SwapImagesOptions, swapImages } from '../../src/swapper/local/swap-images.js'
import { random, sha256File, writeImage } from './helpers.js'

export type Failure = Error & { code?: string; cause?: Error }

const BS = 4096
const N = 1024 // 4 MiB images

/**
 * B is A's blocks moved by 9 with new blocks and zeros: fetched blocks,
 * local copies and zeros, and in-place copies over several apply windows.
 */
export function images(): [Buffer, Buffer] {
  const a = random(N * BS)
  const b = Buffer.alloc(N * BS)
  for (let i = 0; i < N; i++) a.copy(b, ((i + 9) % N) * BS, i * BS, (i + 1) * BS)
  for (let k = 0; k < 200; k++) random(BS).copy(b, k * 5 * BS)
  b.fill(0, 100 * BS, 140 * BS)
  return [a, b]
}

export async function setup(t: { testdir: () => string }) {
  const dir = t.testdir()
  const pa = join(dir, 'a.img')
  const pb = join(dir, 'b.img')
  const [a, b] = images()
  await writeImage(pa, a)
  await writeImage(pb, b)
  return {
    dir,
    pa,
    pb,
    ha: await sha256File(pa),
    hb: await sha256File(pb),
    work: join(dir, 'work'),
    state: { a: join(dir, 'state-a'), b: join(dir, 'state-b') },
  }
}

/**
 * Runs a swap (in `opts.workDir`) whose signal aborts at the first event
 * `role` emits for which `when` holds; resolves with its failure and the
 * swap's id (read from the session while it exists).
 */
export async function cancelledAt(
  pa: string,
  pb: string,
  role: Role,
  when: (e: SwapProgressEvent) => boolean,
  opts: SwapImagesOptions & { workDir: string },
): Promise<{ err: Failure | null; fired: boolean; swapId: string }> {
  const ac = new AbortController()
  let fired = false
  let swapId = ''
  const err = await swapImages(pa, pb, {
    stagingReserveBytes: 0,
    ...opts,
    signal: ac.signal,
    onProgress: (e) => {
      if (swapId === '') swapId = JSON.parse(readFileSync(join(opts.workDir, 'session.json'), 'utf8')).swapId
      if (!fired && e.role === role && when(e)) {
        fired = true
        ac.abort()
      }
    },
  }).then(
    () => null,
    (e: unknown) => e as Failure,
  )
  return { err, fired, swapId }
}

/** A's progress while staging. */
export const staging = (e: SwapProgressEvent): boolean => e.type === 'progress' && e.phase === 'stage'
