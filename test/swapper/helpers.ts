/** Test images and checks shared by the swapper tests (not a test file itself). */
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const MiB = 1024 * 1024

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
}

export async function writeImage(path: string, data: Uint8Array): Promise<void> {
  await writeFile(path, data)
}

/** Deterministic pseudo-random bytes (seeded), so failures reproduce. */
export function seeded(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size)
  let block = createHash('sha256').update(`seed-${seed}`).digest()
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off)
    block = createHash('sha256').update(block).digest()
  }
  return out
}

export function random(size: number): Buffer {
  return randomBytes(size)
}

/** Random blocks with every `zeroEvery`-th block of `blockSize` zeroed. */
export function randomWithZeros(size: number, blockSize: number, zeroEvery: number): Buffer {
  const b = randomBytes(size)
  for (let off = 0, i = 0; off < size; off += blockSize, i++)
    if (i % zeroEvery === 0) b.fill(0, off, off + blockSize)
  return b
}

/** Two random images, a.img and b.img in `dir`, of `size` bytes each, and their sha256. */
export async function randomPair(dir: string, size: number) {
  const pa = join(dir, 'a.img')
  const pb = join(dir, 'b.img')
  await writeImage(pa, random(size))
  await writeImage(pb, random(size))
  return { pa, pb, ha: await sha256File(pa), hb: await sha256File(pb) }
}
