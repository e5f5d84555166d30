/**
 * The manifest: a disk's block index, signed by its agent's swap key and bound
 * to the swap id and the agent's role in the agreement.
 *
 * Only the small header is signed; it commits to every block hash through the
 * Merkle root, so the hash list travels in unsigned pages and is accepted only
 * if it rebuilds that root. The receiver then checks every block against it.
 */

import { ManifestHeader, type SignedManifest } from '../../protocols/proto/swap.js'
import {
  ED25519_PUBLIC_KEY_BYTES,
  publicKeyOf,
  SignatureDomain,
  sign,
  verify,
} from '../../protocols/signing.js'
import {
  MAX_BLOCK_COUNT,
  MAX_BLOCK_SIZE,
  MAX_HASH_ALG_LENGTH,
  MAX_MANIFEST_HEADER_BYTES,
  MAX_ROLE_LENGTH,
  MAX_SWAP_ID_BYTES,
  MIN_BLOCK_SIZE,
  MIN_SWAP_ID_BYTES,
} from '../../protocols/swap-constants.js'
import { ManifestError } from '../errors.js'
import { BlockIndex, blockCountOf } from './block-index.js'
import { equalBytes, HASH_ALG, HASH_BYTES, merkleRoot } from './hash.js'

export type Role = 'a' | 'b'

export function otherRole(role: Role): Role {
  return role === 'a' ? 'b' : 'a'
}

export interface ManifestExpectations {
  swapId: Uint8Array
  role: Role
  /** The swap key the agreement names for that role. */
  signer: Uint8Array
}

export interface VerifiedHeader {
  swapId: Uint8Array
  role: Role
  diskSize: number
  blockSize: number
  blockCount: number
  merkleRoot: Uint8Array
  zeroCount: number
  signer: Uint8Array
}

export function createManifest(
  index: BlockIndex,
  swapId: Uint8Array,
  role: Role,
  secretKey: Uint8Array,
): SignedManifest {
  const header = ManifestHeader.encode({
    swapId: Uint8Array.from(swapId),
    role,
    diskSize: BigInt(index.diskSize),
    blockSize: index.blockSize,
    blockCount: index.blockCount,
    hashAlg: HASH_ALG,
    merkleRoot: Uint8Array.from(index.root),
    zeroCount: index.zeroCount,
    signer: Uint8Array.from(publicKeyOf(secretKey)),
  })
  return { header, signature: Uint8Array.from(sign(SignatureDomain.swapManifest, header, secretKey)) }
}

/**
 * Checks a peer's signed manifest header; cheap checks first, the signature
 * last. Throws ManifestError naming the rule that failed.
 */
export function verifyManifestHeader(signed: SignedManifest, expect: ManifestExpectations): VerifiedHeader {
  // rule: size before decode
  if (signed.header.length > MAX_MANIFEST_HEADER_BYTES) {
    throw new ManifestError('MANIFEST_TOO_LARGE', `manifest header of ${signed.header.length} bytes`)
  }
  let h: ManifestHeader
  try {
    h = ManifestHeader.decode(signed.header)
  } catch (err) {
    throw new ManifestError(
      'MANIFEST_MALFORMED',
      `manifest header does not decode: ${(err as Error).message}`,
    )
  }
  // rule: bound to this swap
  if (h.swapId.length < MIN_SWAP_ID_BYTES || h.swapId.length > MAX_SWAP_ID_BYTES) {
    throw new ManifestError('MANIFEST_SWAP_ID', 'manifest swap id has a bad length')
  }
  if (!equalBytes(h.swapId, expect.swapId))
    throw new ManifestError('MANIFEST_SWAP_ID', 'manifest is for another swap')
  // rule: for the role the agreement gives this peer
  if (h.role.length > MAX_ROLE_LENGTH || h.role !== expect.role) {
    throw new ManifestError(
      'MANIFEST_ROLE',
      `manifest is for role '${h.role.slice(0, 8)}', expected '${expect.role}'`,
    )
  }
  if (h.hashAlg.length > MAX_HASH_ALG_LENGTH || h.hashAlg !== HASH_ALG) {
    throw new ManifestError('MANIFEST_HASH_ALG', `unsupported hash algorithm '${h.hashAlg.slice(0, 32)}'`)
  }
  // rule: geometry consistent
  const bs = h.blockSize
  if (bs < MIN_BLOCK_SIZE || bs > MAX_BLOCK_SIZE || (bs & (bs - 1)) !== 0) {
    throw new ManifestError('MANIFEST_BLOCK_SIZE', `block size ${bs} not a power of two in range`)
  }
  if (h.diskSize <= 0n || h.diskSize > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ManifestError('MANIFEST_DISK_SIZE', `disk size ${h.diskSize} out of range`)
  }
  const diskSize = Number(h.diskSize)
  if (h.blockCount !== blockCountOf(diskSize, bs) || h.blockCount > MAX_BLOCK_COUNT) {
    throw new ManifestError('MANIFEST_BLOCK_COUNT', `block count ${h.blockCount} does not match disk size`)
  }
  if (h.merkleRoot.length !== HASH_BYTES)
    throw new ManifestError('MANIFEST_ROOT', 'Merkle root has a bad length')
  if (h.zeroCount > h.blockCount)
    throw new ManifestError('MANIFEST_ZERO_COUNT', 'more zero blocks than blocks')
  // rule: signed by the swap key the agreement names for this role
  if (h.signer.length !== ED25519_PUBLIC_KEY_BYTES || !equalBytes(h.signer, expect.signer)) {
    throw new ManifestError('MANIFEST_SIGNER', 'manifest not signed by the key named in the agreement')
  }
  if (!verify(SignatureDomain.swapManifest, signed.header, signed.signature, h.signer)) {
    throw new ManifestError('MANIFEST_SIGNATURE', 'manifest signature does not verify')
  }
  return {
    swapId: h.swapId,
    role: h.role as Role,
    diskSize,
    blockSize: bs,
    blockCount: h.blockCount,
    merkleRoot: h.merkleRoot,
    zeroCount: h.zeroCount,
    signer: h.signer,
  }
}

/** Builds the peer's index from its verified header and the hashes received; they must rebuild the signed root. */
export function indexFromManifest(header: VerifiedHeader, hashes: Uint8Array): BlockIndex {
  if (hashes.length !== header.blockCount * HASH_BYTES) {
    throw new ManifestError(
      'MANIFEST_HASHES',
      `got ${hashes.length / HASH_BYTES} hashes for ${header.blockCount} blocks`,
    )
  }
  const root = merkleRoot(hashes)
  if (!equalBytes(root, header.merkleRoot)) {
    throw new ManifestError('MANIFEST_ROOT', 'block hashes do not match the signed Merkle root')
  }
  const index = new BlockIndex(header.diskSize, header.blockSize, hashes, root)
  if (index.zeroCount !== header.zeroCount) {
    throw new ManifestError('MANIFEST_ZERO_COUNT', 'zero block count does not match the hashes')
  }
  return index
}
