/**
 * The anchor's signing key: a raw 32-byte Ed25519 secret in the data dir.
 * Written once, atomically (tmp + fsync + rename + fsync of the dir), mode 0600,
 * so a crash never leaves a half-written key and other users cannot read it.
 */
import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ED25519_SECRET_KEY_BYTES, generateSecretKey, signingKeyPairOf } from '../protocols/signing.js'
import { writeFileAtomic } from '../runtime/atomic-file.js'
import { AnchorKeyError } from './errors.js'

const ANCHOR_KEY_FILE = 'anchor.key'

export interface AnchorKey {
  secretKey: Uint8Array
  publicKey: Uint8Array
}

/** Loads the anchor key from `dataDir`, creating it on first use. */
export async function loadOrCreateAnchorKey(dataDir: string): Promise<AnchorKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, ANCHOR_KEY_FILE)
  try {
    return await loadAnchorKey(dataDir)
  } catch (err) {
    if (!(err instanceof AnchorKeyError && err.code === 'KEY_MISSING')) throw err
  }
  const secretKey = generateSecretKey()
  try {
    await writeFileAtomic(path, secretKey)
  } catch (err) {
    throw new AnchorKeyError(
      'KEY_WRITE_FAILED',
      `cannot write the anchor key ${path} (${(err as Error).message}); check that the data dir is writable`,
      { cause: err },
    )
  }
  return signingKeyPairOf(secretKey)
}

/** Loads an existing anchor key; refuses one that group or others can read, as ssh does. */
export async function loadAnchorKey(dataDir: string): Promise<AnchorKey> {
  const path = join(dataDir, ANCHOR_KEY_FILE)
  let mode: number
  try {
    mode = (await stat(path)).mode
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AnchorKeyError(
        'KEY_MISSING',
        `no anchor key at ${path}; pass the anchor's data dir, or start the anchor once to create its key`,
        { cause: err },
      )
    }
    throw new AnchorKeyError(
      'KEY_UNREADABLE',
      `cannot read the anchor key ${path} (${(err as Error).message}); check the permissions of the data dir`,
      { cause: err },
    )
  }
  if ((mode & 0o077) !== 0) {
    throw new AnchorKeyError(
      'KEY_PERMISSIONS',
      `anchor key ${path} has mode ${(mode & 0o777).toString(8)}; it must be 600: run chmod 600 ${path}`,
    )
  }
  const secretKey = new Uint8Array(await readFile(path))
  if (secretKey.length !== ED25519_SECRET_KEY_BYTES) {
    throw new AnchorKeyError(
      'KEY_MALFORMED',
      `anchor key ${path} has ${secretKey.length} bytes, expected ${ED25519_SECRET_KEY_BYTES}; restore it from backup`,
    )
  }
  return signingKeyPairOf(secretKey)
}
