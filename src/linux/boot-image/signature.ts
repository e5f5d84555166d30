/**
 * The anchor's signature over a boot image (its verification image): what a
 * machine checks before it kexecs into an image in the anchor's name.
 *
 * Signed bytes (domain `vboom/boot-image/v1`, signing.ts):
 *   purpose (utf-8) 0x00
 *   sha256(kernel)       32 bytes
 *   sha256(initramfs)    32 bytes
 *   len(cmdline)         u32 big-endian, then the command line (utf-8)
 *   notAfter             u64 big-endian, ms since the epoch
 * The command line is part of what is signed and is passed to the kernel
 * as it is, with nothing added: an appended `init=/bin/sh` or `rdinit=`
 * would otherwise hand the machine to whoever appended it. The expiry keeps
 * an old image, found to be flawed, from being booted in the anchor's name
 * forever.
 *
 * What it protects: an honest owner's machine from booting an image the
 * anchor did not make. What it cannot protect: the anchor from a dishonest
 * owner, whose running system could boot anything and answer in its stead;
 * on a cloud without attestation the anchor's assurance comes from the
 * provider's API (a reboot it orders), not from this signature.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { publicKeyOf, SignatureDomain, sign, verify } from '../../protocols/signing.js'
import { BootImageCode, BootImageError } from '../errors.js'

export const BOOT_IMAGE_SIGNATURE_VERSION = 1
/** Longest command line a signed image may carry (Linux x86's COMMAND_LINE_SIZE is 2048). */
const MAX_CMDLINE_BYTES = 2048
const PURPOSE = /^[a-z][a-z0-9-]{0,31}$/

export interface BootImageFiles {
  kernel: Uint8Array
  initramfs: Uint8Array
  cmdline: string
}

export interface SignedBootImage {
  version: typeof BOOT_IMAGE_SIGNATURE_VERSION
  /** What the image is for: `verification` for the anchor's verification image. */
  purpose: string
  kernelSha256: string
  initramfsSha256: string
  cmdline: string
  /** ms since the epoch. */
  notAfter: number
  /** The signer's Ed25519 public key (hex). */
  signer: string
  /** hex. */
  signature: string
}

const sha256 = (b: Uint8Array): Uint8Array => createHash('sha256').update(b).digest()
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The signed payload (see the header); one function builds it for signing and for checking. */
export function bootImagePayload(p: {
  purpose: string
  kernelSha256: Uint8Array
  initramfsSha256: Uint8Array
  cmdline: string
  notAfter: number
}): Uint8Array {
  const purpose = Buffer.from(p.purpose, 'utf8')
  const cmdline = Buffer.from(p.cmdline, 'utf8')
  const out = Buffer.alloc(purpose.length + 1 + 32 + 32 + 4 + cmdline.length + 8)
  let at = purpose.copy(out, 0)
  out[at++] = 0
  at += Buffer.from(p.kernelSha256).copy(out, at)
  at += Buffer.from(p.initramfsSha256).copy(out, at)
  out.writeUInt32BE(cmdline.length, at)
  at += 4
  at += cmdline.copy(out, at)
  out.writeBigUInt64BE(BigInt(p.notAfter), at)
  return new Uint8Array(out)
}

/** The anchor signs an image (its secret key never leaves the anchor). */
export function signBootImage(
  files: BootImageFiles,
  o: { purpose: string; notAfter: number; secretKey: Uint8Array },
): SignedBootImage {
  if (!PURPOSE.test(o.purpose))
    throw new BootImageError(BootImageCode.MALFORMED, `bad purpose "${o.purpose}"`)
  if (Buffer.byteLength(files.cmdline) > MAX_CMDLINE_BYTES)
    throw new BootImageError(
      BootImageCode.MALFORMED,
      `the command line is longer than ${MAX_CMDLINE_BYTES} bytes`,
    )
  const kernelSha256 = sha256(files.kernel)
  const initramfsSha256 = sha256(files.initramfs)
  const payload = bootImagePayload({ ...o, kernelSha256, initramfsSha256, cmdline: files.cmdline })
  return {
    version: BOOT_IMAGE_SIGNATURE_VERSION,
    purpose: o.purpose,
    kernelSha256: hex(kernelSha256),
    initramfsSha256: hex(initramfsSha256),
    cmdline: files.cmdline,
    notAfter: o.notAfter,
    signer: hex(publicKeyOf(o.secretKey)),
    signature: hex(sign(SignatureDomain.bootImage, payload, o.secretKey)),
  }
}

const HEX64 = /^[0-9a-f]{64}$/
const HEX128 = /^[0-9a-f]{128}$/

/** Checks the shape of a signature read from a file (it crossed a boundary). */
export function parseSignedBootImage(value: unknown): SignedBootImage {
  const v = value as Partial<SignedBootImage> | null
  const bad = (why: string): never => {
    throw new BootImageError(BootImageCode.MALFORMED, `the image's signature file is malformed: ${why}`)
  }
  if (typeof v !== 'object' || v === null) return bad('not an object')
  if (v.version !== BOOT_IMAGE_SIGNATURE_VERSION) bad(`version ${String(v.version)}`)
  if (typeof v.purpose !== 'string' || !PURPOSE.test(v.purpose)) bad('purpose')
  if (typeof v.kernelSha256 !== 'string' || !HEX64.test(v.kernelSha256)) bad('kernelSha256')
  if (typeof v.initramfsSha256 !== 'string' || !HEX64.test(v.initramfsSha256)) bad('initramfsSha256')
  if (typeof v.cmdline !== 'string' || Buffer.byteLength(v.cmdline) > MAX_CMDLINE_BYTES) bad('cmdline')
  if (typeof v.notAfter !== 'number' || !Number.isSafeInteger(v.notAfter) || v.notAfter < 0) bad('notAfter')
  if (typeof v.signer !== 'string' || !HEX64.test(v.signer)) bad('signer')
  if (typeof v.signature !== 'string' || !HEX128.test(v.signature)) bad('signature')
  return v as SignedBootImage
}

/**
 * Checks an image before it is booted: cheap checks first (purpose, signer,
 * expiry), then the signature, then the files' hashes. Throws BootImageError.
 */
export function verifyBootImage(
  files: BootImageFiles,
  s: SignedBootImage,
  o: { anchorKey: Uint8Array; purpose: string; now?: number },
): void {
  // rule: the image is for what it is being booted for
  if (s.purpose !== o.purpose)
    throw new BootImageError(
      BootImageCode.MALFORMED,
      `the image is signed for "${s.purpose}", not "${o.purpose}"; ask the anchor for its ${o.purpose} image`,
    )
  // rule: signed by this anchor
  if (s.signer !== hex(o.anchorKey))
    throw new BootImageError(
      BootImageCode.WRONG_SIGNER,
      `the image is signed by ${s.signer.slice(0, 16)}…, not by this agent's anchor; refusing to boot it`,
    )
  // rule: not expired
  if ((o.now ?? Date.now()) > s.notAfter)
    throw new BootImageError(
      BootImageCode.EXPIRED,
      `the image's signature expired at ${new Date(s.notAfter).toISOString()}; fetch the anchor's current image`,
    )
  // rule: the command line booted is the one signed
  if (files.cmdline !== s.cmdline)
    throw new BootImageError(BootImageCode.HASH_MISMATCH, 'the command line differs from the signed one')
  const payload = bootImagePayload({
    purpose: s.purpose,
    kernelSha256: Buffer.from(s.kernelSha256, 'hex'),
    initramfsSha256: Buffer.from(s.initramfsSha256, 'hex'),
    cmdline: s.cmdline,
    notAfter: s.notAfter,
  })
  // rule: the anchor's signature over the payload
  if (!verify(SignatureDomain.bootImage, payload, Buffer.from(s.signature, 'hex'), o.anchorKey))
    throw new BootImageError(
      BootImageCode.BAD_SIGNATURE,
      "the image's signature does not verify; refusing to boot it",
    )
  // rule: the files are the signed ones
  if (hex(sha256(files.kernel)) !== s.kernelSha256)
    throw new BootImageError(
      BootImageCode.HASH_MISMATCH,
      'the kernel differs from the signed one; refusing to boot it',
    )
  if (hex(sha256(files.initramfs)) !== s.initramfsSha256)
    throw new BootImageError(
      BootImageCode.HASH_MISMATCH,
      'the initramfs differs from the signed one; refusing to boot it',
    )
}

/** Files of a signed image directory: vmlinuz, initramfs.img, cmdline, image.sig.json. */
export const SIGNED_IMAGE_FILES = {
  kernel: 'vmlinuz',
  initramfs: 'initramfs.img',
  cmdline: 'cmdline',
  signature: 'image.sig.json',
} as const

/** Reads a signed image directory (the files are read once: the bytes checked are the bytes booted). */
export async function readSignedImageDir(
  dir: string,
): Promise<{ files: BootImageFiles; signed: SignedBootImage }> {
  const read = (f: string): Promise<Buffer> =>
    readFile(`${dir}/${f}`).catch((err: Error) => {
      throw new BootImageError(BootImageCode.MALFORMED, `${dir}/${f} cannot be read: ${err.message}`)
    })
  const [kernel, initramfs, cmdline, sig] = await Promise.all([
    read(SIGNED_IMAGE_FILES.kernel),
    read(SIGNED_IMAGE_FILES.initramfs),
    read(SIGNED_IMAGE_FILES.cmdline),
    read(SIGNED_IMAGE_FILES.signature),
  ])
  let parsed: unknown
  try {
    parsed = JSON.parse(sig.toString('utf8'))
  } catch {
    throw new BootImageError(BootImageCode.MALFORMED, `${dir}/${SIGNED_IMAGE_FILES.signature} is not JSON`)
  }
  return {
    files: { kernel, initramfs, cmdline: cmdline.toString('utf8').trim() },
    signed: parseSignedBootImage(parsed),
  }
}
