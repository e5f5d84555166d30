import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { type CpioEntry, writeCpio } from '../../src/linux/image/cpio.js'
import { elfSection, isStaticExecutable, modinfo } from '../../src/linux/image/elf.js'
import { initScript } from '../../src/linux/image/init-script.js'
import { parseLdd } from '../../src/linux/image/libs.js'
import { dependenciesOf, readModuleTree, selectModules } from '../../src/linux/image/modules.js'
import { fakeModule, tempDir } from './helpers.js'

/** Reads a newc archive back: name -> { mode, data }. */
function readNewc(buf: Buffer): Map<string, { mode: number; data: Buffer; rdev: [number, number] }> {
  const out = new Map<string, { mode: number; data: Buffer; rdev: [number, number] }>()
  let at = 0
  const field = (k: number): number =>
    Number.parseInt(buf.toString('latin1', at + 6 + k * 8, at + 14 + k * 8), 16)
  for (;;) {
    if (buf.toString('latin1', at, at + 6) !== '070701') throw new Error(`bad magic at ${at}`)
    const mode = field(1)
    const size = field(6)
    const rdev: [number, number] = [field(9), field(10)]
    const nameSize = field(11)
    const name = buf.toString('utf8', at + 110, at + 110 + nameSize - 1)
    at += 110 + nameSize
    at += (4 - (at % 4)) % 4
    const data = buf.subarray(at, at + size)
    at += size
    at += (4 - (at % 4)) % 4
    if (name === 'TRAILER!!!') return out
    out.set(name, { mode, data, rdev })
  }
}

t.test('cpio newc: what the kernel unpacks, the same bytes for the same inputs', async (t) => {
  const entries: CpioEntry[] = [
    { path: 'init', kind: 'file', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    { path: 'bin', kind: 'dir' },
    { path: 'bin/sh', kind: 'symlink', target: 'busybox' },
    { path: 'dev/console', kind: 'chardev', major: 5, minor: 1 },
    { path: 'dev', kind: 'dir' },
    { path: 'odd', kind: 'file', data: Buffer.from('abcde') },
  ]
  const chunks: Uint8Array[] = []
  const bytes = await writeCpio(entries, async (c) => {
    chunks.push(c)
  })
  const buf = Buffer.concat(chunks)
  t.equal(bytes, buf.length)
  t.equal(buf.length % 4, 0)
  const back = readNewc(buf)
  t.same([...back.keys()], ['bin', 'bin/sh', 'dev', 'dev/console', 'init', 'odd'], 'parents before children')
  t.equal(back.get('init')!.mode, 0o100755)
  t.equal(back.get('init')!.data.toString(), '#!/bin/sh\n')
  t.equal(back.get('bin/sh')!.mode & 0o170000, 0o120000)
  t.equal(back.get('bin/sh')!.data.toString(), 'busybox')
  t.same(back.get('dev/console')!.rdev, [5, 1])
  t.equal(back.get('odd')!.data.toString(), 'abcde')
  const again: Uint8Array[] = []
  await writeCpio([...entries].reverse(), async (c) => {
    again.push(c)
  })
  t.same(Buffer.concat(again), buf, 'reproducible whatever the input order')
})

t.test('ELF: static or not, and a module info section', async (t) => {
  const node = await readFile(process.execPath)
  t.equal(isStaticExecutable(node), false, 'node is dynamically linked')
  const ko = fakeModule(['license=GPL', 'depends=jbd2,mbcache,crc16', 'softdep=pre: crc32c', 'name=ext4'])
  t.ok(elfSection(ko, '.modinfo'))
  t.equal(elfSection(ko, '.text'), null)
  t.same(dependenciesOf(modinfo(ko)), { hard: ['jbd2', 'mbcache', 'crc16'], soft: ['crc32c'] })
  t.same(dependenciesOf([['softdep', 'pre: a-b c post: d']]), { hard: [], soft: ['a_b', 'c'] })
  t.same(modinfo(Buffer.from('not elf')), [])
})

t.test('modules: the wanted drivers and their dependencies, dependencies first', async (t) => {
  const dir = await tempDir(t)
  const mods = join(dir, 'lib', 'modules', '6.1.0-test')
  const put = async (rel: string, info: string[]): Promise<void> => {
    await mkdir(join(mods, rel, '..'), { recursive: true })
    await writeFile(join(mods, rel), fakeModule(info))
  }
  await put('kernel/fs/ext4/ext4.ko', ['depends=jbd2,crc16', 'softdep=pre: crc32c'])
  await put('kernel/fs/jbd2/jbd2.ko', ['depends='])
  await put('kernel/lib/crc16.ko', ['depends='])
  await put('kernel/crypto/crc32c_generic.ko', ['depends='])
  await put('kernel/drivers/virtio/virtio_pci.ko', ['depends=virtio,virtio_ring'])
  await put('kernel/drivers/virtio/virtio_ring.ko', ['depends='])
  await put('kernel/drivers/net/virtio-net.ko', ['depends=virtio,virtio_ring'])
  await writeFile(
    join(mods, 'modules.builtin'),
    'kernel/drivers/virtio/virtio.ko\nkernel/drivers/block/virtio_blk.ko\n',
  )
  const tree = await readModuleTree(mods, '6.1.0-test')
  const sel = await selectModules(tree, ['virtio_pci', 'virtio_blk', 'virtio_net', 'ext4'], ['ena'])
  t.same(sel.ordered, [
    'kernel/drivers/virtio/virtio_ring.ko',
    'kernel/drivers/virtio/virtio_pci.ko',
    'kernel/drivers/net/virtio-net.ko',
    'kernel/fs/jbd2/jbd2.ko',
    'kernel/lib/crc16.ko',
    'kernel/crypto/crc32c_generic.ko',
    'kernel/fs/ext4/ext4.ko',
  ])
  t.same(sel.builtin, ['virtio_blk'], 'a built-in driver needs no module')
  t.same(sel.absent, ['crc32c_intel', 'ena'], 'optional drivers this kernel lacks are listed')
  await t.rejects(selectModules(tree, ['nvme'], []), {
    name: 'ImageBuildError',
    code: 'IMAGE_DRIVER_MISSING',
  })
  await t.rejects(readModuleTree(join(dir, 'nothing'), 'x'), { code: 'IMAGE_MODULES_MISSING' })
})

t.test('ldd output and the /init script', async (t) => {
  t.same(
    parseLdd(
      '\tlinux-vdso.so.1 (0x00007ff)\n\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n',
    ),
    ['/lib/x86_64-linux-gnu/libz.so.1', '/lib64/ld-linux-x86-64.so.2'],
  )
  t.throws(() => parseLdd('\tlibfoo.so => not found\n'), { code: 'IMAGE_NODE_LIBS' })
  const init = initScript('6.1.0-test')
  t.match(init, /^#!\/bin\/sh\n/)
  t.match(init, /insmod \/lib\/modules\/6\.1\.0-test\//)
  t.match(init, /vboom\.state=\*\)/, 'finds the state partition from the command line')
  t.notMatch(init, /\breboot\b/, '/init never reboots: only the entry does, once the boot area is final')
  t.notMatch(init, /mount [^\n]*\/dev\/vda[0-9]/, 'it mounts no partition of the VM by name')
})
