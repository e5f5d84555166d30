/**
 * The anchor signs an image directory (vmlinuz, initramfs.img, cmdline):
 * writes image.sig.json beside them (signature.ts). Run where the anchor's
 * key is (`vboom image build --verification --anchor-dir DIR` builds and
 * signs in one go); the directory is then published to the VMs' owners,
 * whose agents check it before booting it.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { SIGNED_IMAGE_FILES, type SignedBootImage, signBootImage } from './signature.js'

/** How long a verification image's signature stays valid by default: a month, then the anchor re-signs (or rebuilds) it. */
export const DEFAULT_IMAGE_VALIDITY_MS = 30 * 24 * 3600_000

export async function signImageDir(
  dir: string,
  o: { secretKey: Uint8Array; purpose: string; notAfter: number },
): Promise<SignedBootImage> {
  const [kernel, initramfs, cmdline] = await Promise.all([
    readFile(join(dir, SIGNED_IMAGE_FILES.kernel)),
    readFile(join(dir, SIGNED_IMAGE_FILES.initramfs)),
    readFile(join(dir, SIGNED_IMAGE_FILES.cmdline), 'utf8'),
  ])
  const signed = signBootImage({ kernel, initramfs, cmdline: cmdline.trim() }, o)
  await writeFileAtomic(
    join(dir, SIGNED_IMAGE_FILES.signature),
    `${JSON.stringify(signed, null, 2)}\n`,
    0o644,
  )
  return signed
}
