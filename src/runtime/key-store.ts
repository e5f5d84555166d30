/**
 * The node key: created once, kept in the data dir, so a restart keeps the peer id.
 * Crash story: written atomically (writeFileAtomic), so a crash leaves either
 * no key or a whole one.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey, PrivateKey } from '@libp2p/interface'
import { UsageError } from '../protocols/errors.js'
import { writeFileAtomic } from './atomic-file.js'

const KEY_FILE = 'node.key'

export async function loadOrCreateKey(dataDir: string): Promise<Ed25519PrivateKey> {
  const file = join(dataDir, KEY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(
        'KEY_UNREADABLE',
        `cannot read node key ${file}: ${(err as Error).message}; check its permissions`,
      )
    }
  }
  if (bytes !== undefined) {
    let key: PrivateKey
    try {
      key = privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new UsageError(
        'KEY_CORRUPT',
        `node key ${file} is corrupt (${(err as Error).message}); restore it from backup, or move it away to start as a new peer`,
      )
    }
    if (key.type !== 'Ed25519')
      throw new UsageError(
        'KEY_TYPE',
        `node key ${file} is ${key.type}, expected Ed25519; move it away to start as a new peer`,
      )
    return key
  }
  const key = await generateKeyPair('Ed25519')
  await writeFileAtomic(file, privateKeyToProtobuf(key), 0o600)
  return key
}
