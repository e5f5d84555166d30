import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import {
  bootImagePayload,
  readSignedImageDir,
  SIGNED_IMAGE_FILES,
  signBootImage,
  verifyBootImage,
} from '../../src/linux/boot-image/signature.js'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'
import { tempDir } from './helpers.js'

const anchor = generateSecretKey()
const anchorKey = publicKeyOf(anchor)
const files = {
  kernel: Buffer.from('bzImage bytes'),
  initramfs: Buffer.from('cpio bytes'),
  cmdline: 'console=ttyS0 vboom.anchor=/ip4/10.0.2.2/tcp/7000',
}
const notAfter = Date.now() + 3_600_000
const signed = signBootImage(files, { purpose: 'verification', notAfter, secretKey: anchor })

t.test('the anchor signs kernel, initramfs and command line; the machine checks all three', async (t) => {
  t.doesNotThrow(() => verifyBootImage(files, signed, { anchorKey, purpose: 'verification' }))
  const check = (
    f: typeof files,
    code: string,
    what: string,
    o: { now?: number; key?: Uint8Array; purpose?: string } = {},
  ) =>
    t.throws(
      () =>
        verifyBootImage(f, signed, {
          anchorKey: o.key ?? anchorKey,
          purpose: o.purpose ?? 'verification',
          now: o.now,
        }),
      { name: 'BootImageError', code },
      what,
    )
  check({ ...files, kernel: Buffer.from('other kernel') }, 'BOOT_IMAGE_HASH_MISMATCH', 'another kernel')
  check(
    { ...files, initramfs: Buffer.from('cpio + an extra /init') },
    'BOOT_IMAGE_HASH_MISMATCH',
    'another initramfs',
  )
  check(
    { ...files, cmdline: `${files.cmdline} init=/bin/sh` },
    'BOOT_IMAGE_HASH_MISMATCH',
    'an appended argument',
  )
  check(files, 'BOOT_IMAGE_EXPIRED', 'after its expiry', { now: notAfter + 1 })
  check(files, 'BOOT_IMAGE_WRONG_SIGNER', 'another anchor', { key: publicKeyOf(generateSecretKey()) })
  check(files, 'BOOT_IMAGE_MALFORMED', 'signed for another purpose', { purpose: 'swap' })
  const forged = {
    ...signed,
    signature: signed.signature.replace(/^../, signed.signature.startsWith('00') ? '01' : '00'),
  }
  t.throws(() => verifyBootImage(files, forged, { anchorKey, purpose: 'verification' }), {
    code: 'BOOT_IMAGE_BAD_SIGNATURE',
  })
  const later = { ...signed, notAfter: notAfter + 10 }
  t.throws(
    () => verifyBootImage(files, later, { anchorKey, purpose: 'verification' }),
    { code: 'BOOT_IMAGE_BAD_SIGNATURE' },
    'the expiry is signed',
  )
})

t.test('the payload is one fixed encoding', async (t) => {
  const p = bootImagePayload({
    purpose: 'v',
    kernelSha256: new Uint8Array(32).fill(1),
    initramfsSha256: new Uint8Array(32).fill(2),
    cmdline: 'ab',
    notAfter: 258,
  })
  t.same(
    Buffer.from(p).toString('hex'),
    `7600${'01'.repeat(32)}${'02'.repeat(32)}000000026162${'0000000000000102'}`,
  )
})

t.test('a signed image directory is read and its signature file checked for shape', async (t) => {
  const dir = await tempDir(t)
  const img = join(dir, 'img')
  await mkdir(img)
  await writeFile(join(img, SIGNED_IMAGE_FILES.kernel), files.kernel)
  await writeFile(join(img, SIGNED_IMAGE_FILES.initramfs), files.initramfs)
  await writeFile(join(img, SIGNED_IMAGE_FILES.cmdline), `${files.cmdline}\n`)
  await writeFile(join(img, SIGNED_IMAGE_FILES.signature), JSON.stringify(signed))
  const r = await readSignedImageDir(img)
  t.doesNotThrow(() => verifyBootImage(r.files, r.signed, { anchorKey, purpose: 'verification' }))
  await writeFile(join(img, SIGNED_IMAGE_FILES.signature), JSON.stringify({ ...signed, signer: 'x' }))
  await t.rejects(readSignedImageDir(img), { code: 'BOOT_IMAGE_MALFORMED' })
})
