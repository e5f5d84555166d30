/**
 * One real VM under qemu (TCG), end to end through the Linux platform:
 * 1. `vboom image build` makes the stateless image from Debian's kernel package;
 * 2. a self-booting VM disk is built with the location's reserve on it;
 * 3. the VM boots its own system (BIOS, MBR, syslinux, kernel, switch_root),
 *    which prints its identity and, through LinuxPlatform, its location (the
 *    DMI UUID qemu was given);
 * 4. it stores boot parameters and leaves for the stateless image
 *    (rebootStateless: kexec load, boot area saved, sector 0 redirected, kexec);
 * 5. the stateless /init starts; a reset (QMP system_reset) right then: the
 *    firmware boots the disk, whose sector 0 now leads to the reserve, so the
 *    stateless image starts again (the boot-level invariant), never the VM;
 * 6. its entry reads the parameters and restores the network exactly;
 * 7. with no swap lifecycle in the image yet, it powers off with the swap
 *    pending; the host then checks sector 0, the saved boot area, the record
 *    and the logs in the reserve.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { readRange } from '../../../src/linux/disk/devices.js'
import { parseMbr } from '../../../src/linux/disk/mbr.js'
import { decodeBootRecord, paramsDigest } from '../../../src/linux/reserve/record.js'
import { CACHE, debianKernel, MBR_BIN, qemuSkipReason } from './env.js'
import { buildStatelessImage, bundleNormalProgram, listStateDir, readStateFile } from './harness.js'
import { freePort, QemuVm } from './qemu.js'
import { buildVmDisk } from './vm-disk.js'

const skip = await qemuSkipReason()
if (skip !== null) {
  t.plan(0, skip)
  process.exit(0)
}

t.setTimeout(600_000)

t.test('a VM leaves for the stateless image by kexec, and a reset lands there again', async (t) => {
  await mkdir(CACHE, { recursive: true })
  const dir = await mkdtemp(join(CACHE, 'smoke-'))
  let vm: QemuVm | null = null
  t.teardown(async () => {
    await vm?.stop()
    // VBOOM_QEMU_KEEP=1 keeps the disk and the serial log for a look afterwards
    if (process.env.VBOOM_QEMU_KEEP === '1') t.comment(`kept ${dir}`)
    else await rm(dir, { recursive: true, force: true })
  })
  const timings: Record<string, number> = {}
  const since = (t0: number): number => Math.round(Date.now() - t0)

  let t0 = Date.now()
  const kernel = await debianKernel()
  timings.kernelPackage = since(t0)

  t0 = Date.now()
  const image = await buildStatelessImage(kernel, join(dir, 'image'))
  timings.imageBuild = since(t0)
  t.comment(
    `stateless image: initramfs ${(image.report.initramfs.bytes / 2 ** 20).toFixed(1)} MiB zstd (${(image.report.initramfs.rawBytes / 2 ** 20).toFixed(1)} MiB raw), kernel ${(image.report.kernel.bytes / 2 ** 20).toFixed(1)} MiB, built in ${(image.report.totalMs / 1000).toFixed(1)} s`,
  )

  const uuid = randomUUID()
  const params = { phase: 'stateless', role: 'a', swapId: 'smoke-0001', note: 'qemu smoke test' }
  t0 = Date.now()
  const disk = await buildVmDisk({
    out: join(dir, 'slot-a.raw'),
    name: 'vm-alpha',
    kernel,
    image: { kernel: image.kernel, initramfs: image.initramfs, cmdline: image.cmdline },
    program: await bundleNormalProgram(),
    kexecHelper: image.kexecHelper,
    extra: [{ path: 'vboom/leave.json', data: Buffer.from(JSON.stringify(params)) }],
  })
  timings.diskBuild = since(t0)

  const port = await freePort()
  vm = new QemuVm({
    name: 'alpha',
    disk: disk.path,
    dir,
    slot: {
      uuid,
      peerMac: '52:54:00:00:01:0a',
      hostMac: '52:54:00:00:01:1a',
      link: { mode: 'listen', port },
      oem: 'vboom.peer-ip=10.0.0.1/24',
    },
  })
  vm.start()

  // the VM's own system
  const normal = await vm.waitFor(/VBOOM-NORMAL vm=(\S+) uuid=(\S+)/, 120_000)
  timings.normalBoot = normal.atMs
  t.equal(normal.match[1], 'vm-alpha', "the VM's own system booted from its disk")
  t.equal(normal.match[2], uuid, 'it sees the slot DMI UUID')
  const plat = await vm.waitFor(
    /VBOOM-NORMAL-PLATFORM vm=\S+ location=(\S+) source=(\S+) disk=(\S+) swap-bytes=(\d+)/,
    60_000,
    normal.end,
  )
  t.equal(plat.match[1], `dmi-uuid:${uuid}`, "the platform's location is the machine's, from DMI")
  t.equal(plat.match[3], '/dev/vda', 'the platform found the disk with the reserve')
  t.equal(Number(plat.match[4]), disk.layout.swapBytes, 'the swapped region ends where the reserve starts')
  const leaving = await vm.waitFor(
    /VBOOM-NORMAL-LEAVING params-sha256=(\S+) interfaces=(\S+) routes=(\S*)/,
    60_000,
    plat.end,
  )
  timings.leaving = leaving.atMs
  t.equal(leaving.match[1], paramsDigest(params), 'the parameters were stored as given')
  t.match(
    leaving.match[2],
    /eth0\/52:54:00:00:01:0a\/10\.0\.0\.1\/24/,
    'the peer link and its static address were captured',
  )
  t.match(
    leaving.match[2],
    /eth1\/52:54:00:00:01:1a\/10\.0\.2\.15\/24/,
    'the host link and its DHCP address were captured',
  )
  t.match(leaving.match[3], /default>10\.0\.2\.2@eth1/, 'the default route was captured')

  // kexec into the stateless image, then a reset while it starts (before its
  // entry runs: a reset after it could race the power-off)
  const init1 = await vm.waitFor(/VBOOM-INIT start via=(\S+)/, 120_000, leaving.end)
  timings.statelessInit = init1.atMs
  t.equal(init1.match[1], 'kexec', "the stateless image's /init started, entered by kexec")
  await vm.qmp('system_reset')
  const resetAt = Date.now() - vm.startedAt
  const init2 = await vm.waitFor(/VBOOM-INIT start via=(\S+)/, 180_000, init1.end)
  timings.resetToInit = init2.atMs - resetAt
  t.equal(init2.match[1], 'reserve', "after the reset the firmware booted the reserve's stateless image")
  t.notOk(
    /VBOOM-NORMAL vm=/.test((await vm.serial()).slice(init1.end)),
    "the VM's own system never booted again",
  )
  const s = await vm.waitFor(
    /VBOOM-STATELESS phase=(\S+) location=(\S+) recorded-location=(\S+) via=(\S+) disk=(\S+) swap-bytes=(\d+) params-sha256=(\S+)/,
    90_000,
    init2.end,
  )
  timings.statelessEntry = s.atMs - init2.atMs
  t.equal(s.match[1], 'stateless', 'the stateless entry read the pending phase')
  t.equal(s.match[2], `dmi-uuid:${uuid}`, 'it is on the same location')
  t.equal(s.match[7], paramsDigest(params), 'with the parameters the running system stored')
  t.equal(s.match[5], '/dev/vda', 'on the disk with the reserve')
  const net = await vm.waitFor(
    /VBOOM-STATELESS-NET interfaces=(\d+) applied=(\d+) failed=(\d+) missing=(\d+)/,
    30_000,
    s.end,
  )
  t.equal(net.match[1], '2', 'both interfaces recorded')
  t.equal(net.match[3], '0', 'every ip command of the restore succeeded')
  t.equal(net.match[4], '0', 'both interfaces found again by MAC')
  const failed = await vm.waitFor(/VBOOM-STATELESS-FAILED code=(\S+)/, 30_000, net.end)
  t.equal(failed.match[1], 'STATELESS_SWAP_RUNNER_MISSING', 'without the lifecycle a pending swap cannot run')
  t.equal(await vm.waitExit(60_000), 0, 'the stateless image powered the machine off')
  timings.total = Date.now() - vm.startedAt

  // the disk, from the host
  const sector0 = await readRange(disk.path, 0, 512)
  const mbr = parseMbr(sector0)
  t.same(
    mbr.partitions.filter((p) => p.active).map((p) => p.index),
    [disk.layout.boot.index],
    "sector 0 boots the reserve's boot partition",
  )
  t.same(sector0.subarray(0, 440), (await readFile(MBR_BIN)).subarray(0, 440), "with syslinux's MBR code")
  t.same(
    new Uint8Array(await readStateFile(disk.path, disk.layout, 'boot/boot-area.bin')),
    disk.bootArea,
    "the reserve holds the disk's true boot area",
  )
  t.same(
    await readRange(disk.path, 512, 4096 - 512),
    disk.bootArea.subarray(512),
    'only sector 0 of the boot area changed on the disk',
  )
  const record = decodeBootRecord(
    (await readStateFile(disk.path, disk.layout, 'boot/record.json')).toString('utf8'),
  )
  t.equal(record.params.phase, 'stateless', 'the swap is still pending in the record')
  t.equal(record.location, `dmi-uuid:${uuid}`, 'recorded at this location')
  t.ok(record.bootAreaSha256 !== null, "the record has the boot area's hash")
  const logs = await listStateDir(disk.path, disk.layout, 'log')
  t.equal(
    logs.filter((n) => n.startsWith('stateless-')).length,
    1,
    "the stateless entry's run left its log in the reserve",
  )
  t.ok(logs.includes('init.log'), "/init's log is there too")
  t.comment(`timings (ms): ${JSON.stringify(timings)}`)
})
