/**
 * Durable whole-file writes: readers see the old file or the new one, never a
 * torn one, and the new one survives a crash once this returns.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'

/** tmp + fsync + rename + fsync of the directory. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  const fh = await open(tmp, 'wx', mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } catch (err) {
    await fh.close()
    await unlink(tmp).catch(() => {})
    throw err
  }
  await fh.close()
  await rename(tmp, path)
  // fsync the directory so the rename itself survives a crash.
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
