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
 * 7. it runs the lifecycle's stateless swap; the anchor on the host knows
 *    no such swap and refuses it, so the swap ends 'aborted' before its
 *    commit point: the true boot area is written back (sector 0 last) and
 *    the machine reboots into its own system, which finds the record
 *    aborted; the host then checks the boot area, the record and the logs.
 * The full two-VM swap is swap.test.ts (VBOOM_QEMU_FULL=1).
 */
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { readRange } from '../../../src/linux/disk/devices.js'
import { decodeBootRecord, paramsDigest } from '../../../src/linux/reserve/record.js'
import { decodeBootParams } from '../../../src/node/lifecycle/index.js'
import { freePort } from '../../../src/runtime/free-port.js'
import { QemuAnchor } from './anchor.js'
import { CACHE, debianKernel, qemuSkipReason } from './env.js'
import { buildStatelessImage, bundleNormalProgram, listStateDir, readStateFile } from './harness.js'
import { QemuVm } from './qemu.js'
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
  let anchor: QemuAnchor | null = null
  t.teardown(async () => {
    await vm?.stop()
    await anchor?.stop()
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
  // an anchor whose ledger agreed another swap: it refuses this one
  anchor = await QemuAnchor.start({
    dir: join(dir, 'anchor'),
    port: await freePort(),
    locations: { a: `dmi-uuid:${uuid}`, b: `dmi-uuid:${randomUUID()}` },
    peerIps: { a: '10.0.0.1', b: '10.0.0.2' },
    diskBytes: 2 ** 30,
  })
  const trigger = anchor.trigger('a')
  const unknown = JSON.parse(trigger.toString('utf8'))
  unknown.swap.swapId = Buffer.from(randomUUID().replace(/-/g, '').repeat(2), 'hex').toString('hex')
  // no agreement carried: the one registered names the other swap id, and boot parameters refuse an agreement that is not theirs
  unknown.swap.agreement = ''
  const triggerText = JSON.stringify(unknown)
  decodeBootParams(triggerText)
  const params = JSON.parse(triggerText)
  t0 = Date.now()
  const disk = await buildVmDisk({
    out: join(dir, 'slot-a.raw'),
    name: 'vm-alpha',
    kernel,
    image: { kernel: image.kernel, initramfs: image.initramfs, cmdline: image.cmdline },
    program: await bundleNormalProgram(),
    kexecHelper: image.kexecHelper,
    extra: [{ path: 'vboom/leave.json', data: Buffer.from(triggerText) }],
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
  // the lifecycle: the anchor refuses the unknown swap, the disk boots its own system again
  const back = await vm.waitFor(/VBOOM-NORMAL vm=(\S+) uuid=(\S+)/, 240_000, net.end)
  timings.abortedToNormal = back.atMs - s.atMs
  t.equal(back.match[1], 'vm-alpha', 'after the aborted swap the VM booted its own system')
  const rec = await vm.waitFor(/VBOOM-NORMAL-RECORD phase=(\S+)/, 60_000, back.end)
  t.equal(rec.match[1], 'aborted', 'which finds the swap aborted in the record')
  t.equal(await vm.waitExit(120_000), 0, 'and powers off (nothing left to do)')
  timings.total = Date.now() - vm.startedAt

  // the disk, from the host
  t.same(
    await readRange(disk.path, 0, 4096),
    disk.bootArea,
    "the disk's true boot area is back, sector 0 included",
  )
  const record = decodeBootRecord(
    (await readStateFile(disk.path, disk.layout, 'boot/record.json')).toString('utf8'),
  )
  t.equal(record.params.phase, 'aborted', 'the record says aborted')
  t.match(
    (record.params as unknown as { outcome?: { reason?: string } }).outcome?.reason ?? '',
    /anchor refused/,
    "with the anchor's refusal as the reason",
  )
  t.equal(record.location, `dmi-uuid:${uuid}`, 'recorded at this location')
  t.ok(record.bootAreaSha256 !== null, "the record has the boot area's hash")
  const logs = await listStateDir(disk.path, disk.layout, 'log')
  t.equal(
    logs.filter((n) => n.startsWith('stateless-')).length,
    1,
    "the stateless entry's run (after the reset) left its log in the reserve",
  )
  t.ok(logs.includes('init.log'), "/init's log is there too")
  t.comment(`timings (ms): ${JSON.stringify(timings)}`)
})
