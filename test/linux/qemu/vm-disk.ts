/**
 * A VM disk for the qemu tests, built as files (no loop device, no mount):
 *
 *   sector 0     syslinux's mbr.bin, partition 1 active
 *   p1  FAT16    the VM's /boot: syslinux, Debian's kernel, a boot initramfs
 *                that plays the distribution's initramfs (loads the disk
 *                drivers, mounts root=/dev/vda2, switch_root)
 *   p2  ext4     the VM's root (mkfs.ext4 -d): busybox, node, the test's
 *                normal-system program, /vboom/vm.json, an agent key, a
 *                workload file, the kexec helper, the drivers' modules, and
 *                optionally `vboom agent` as installed (agent-install.ts; the
 *                VM's init then runs its unit's ExecStart instead of the program)
 *   p3, p4       the location's reserve, made by the product's createReserve
 *
 * Self-booting through the BIOS, MBR and syslinux rather than qemu -kernel:
 * the boot-level invariant is about what the firmware loads from sector 0
 * on a reset, and only a disk that boots itself goes through that path.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { readRange, writeDurably } from '../../../src/linux/disk/devices.js'
import { withPartition } from '../../../src/linux/disk/mbr.js'
import { type CpioEntry, writeCpio } from '../../../src/linux/image/cpio.js'
import { sharedLibraries } from '../../../src/linux/image/libs.js'
import { readModule, readModuleTree, selectModules } from '../../../src/linux/image/modules.js'
import { createReserve } from '../../../src/linux/reserve/create.js'
import type { ReserveLayout } from '../../../src/linux/reserve/layout.js'
import { type DebianKernel, MBR_BIN, staticBusybox } from './env.js'

const run = promisify(execFile)
const MiB = 2 ** 20
const SECTOR = 512

/** The boot initramfs's /init: what a distribution's initramfs does, reduced to mounting root and switching to it. */
const BOOT_INIT = (version: string): string => `#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
while read -r m; do insmod /lib/modules/${version}/"$m" 2>/dev/null; done < /lib/modules/order
ROOT=/dev/vda2
for kv in $(cat /proc/cmdline); do case $kv in root=*) ROOT=\${kv#root=};; esac; done
i=0; while [ ! -b $ROOT ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mkdir -p /newroot
mount -t ext4 -o rw $ROOT /newroot || { echo "BOOT: cannot mount $ROOT"; poweroff -f; }
head -c4 /newroot/sbin/init >/dev/null 2>&1 || { echo "BOOT: no /sbin/init on $ROOT"; poweroff -f; }
mount --move /dev /newroot/dev; umount /proc /sys
exec switch_root /newroot /sbin/init
`

/**
 * The VM's /sbin/init: mounts, network (per-slot settings from SMBIOS OEM
 * strings, DHCP on the host link), then the agent's unit when it is
 * installed, else the test's program.
 */
const NORMAL_INIT = (version: string): string => `#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc; mount -t sysfs sys /sys
grep -q " /dev " /proc/mounts || mount -t devtmpfs dev /dev
mkdir -p /run /tmp; mount -t tmpfs run /run; mount -t tmpfs tmp /tmp
while read -r m; do insmod /lib/modules/${version}/"$m" 2>/dev/null; done < /lib/modules/${version}/vboom.order
hostname -F /etc/hostname
OEM=$(for f in /sys/firmware/dmi/entries/11-*/raw; do [ -f $f ] && strings $f; done | tr '\\n' ' ')
for kv in $OEM; do case $kv in vboom.peer-ip=*) PEER_IP=\${kv#*=};; esac; done
ip link set lo up
i=0; while [ ! -e /sys/class/net/eth1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -n "$PEER_IP" ] && ip link set eth0 up && ip addr add $PEER_IP dev eth0
ip link set eth1 up && udhcpc -i eth1 -n -q -t 5 -s /etc/udhcpc.script >/dev/null 2>&1
echo "VBOOM-NORMAL vm=$(cat /etc/hostname) uuid=$(cat /sys/class/dmi/id/product_uuid) peer-ip=$PEER_IP uptime=$(cut -d' ' -f1 /proc/uptime)"
UNIT=/etc/systemd/system/vboom-agent.service
if [ -f $UNIT ]; then
  # what systemd would start: the unit's ExecStart, in the foreground, its log on the console
  echo "VBOOM-NORMAL-AGENT-START uptime=$(cut -d' ' -f1 /proc/uptime)"
  $(sed -n 's/^ExecStart=//p' $UNIT) 2>&1
  echo "VBOOM-NORMAL-AGENT-EXIT rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
else
  node /opt/vboom/normal-main.js
  echo "VBOOM-NORMAL-EXIT rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
fi
sync; mount -o remount,ro / 2>/dev/null
poweroff -f
`

const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "\${router%% *}" dev "$interface"
    [ -n "$dns" ] && for d in $dns; do echo "nameserver $d"; done > /etc/resolv.conf ;;
esac
exit 0
`

/**
 * Kernel arguments for every guest kernel (the VM's and the stateless
 * image's): under TCG on a loaded host the kernel's IO-APIC timer check can
 * miss its window and panic ("IO-APIC + timer doesn't work"); cloud images
 * for virtual machines skip that check the same way.
 */
export const GUEST_KERNEL_ARGS = 'no_timer_check'

/** Modules a VM needs to boot from and use virtio disks and NICs (and the ext4 the reserve's state is on). */
const VM_DRIVERS = ['virtio_pci', 'virtio_blk', 'virtio_net', 'ext4']

interface TreeFile {
  path: string
  data?: Uint8Array
  from?: string
  mode?: number
  symlink?: string
}

async function writeTree(root: string, files: TreeFile[]): Promise<void> {
  for (const f of files) {
    const p = join(root, f.path)
    await mkdir(dirname(p), { recursive: true })
    if (f.symlink !== undefined) await symlink(f.symlink, p)
    else if (f.from !== undefined) await copyFile(f.from, p)
    else await writeFile(p, f.data ?? new Uint8Array(0))
    if (f.mode !== undefined) await chmod(p, f.mode)
  }
}

export interface VmDiskOptions {
  out: string
  name: string
  kernel: DebianKernel
  /** The stateless image (vboom image build's output dir). */
  image: { kernel: string; initramfs: string; cmdline: string }
  /** The normal system's program (bundled, an ES module). */
  program: Uint8Array
  /** The kexec helper to install on the VM. */
  kexecHelper: string
  /** Files to add to the root (the trigger the program reads, say). */
  extra?: TreeFile[]
  rootMiB?: number
  reserveBootMiB?: number
  reserveStateMiB?: number
}

export interface VmDisk {
  path: string
  layout: ReserveLayout
  /** The first 4 KiB as built: the VM's true boot area. */
  bootArea: Uint8Array
}

export async function buildVmDisk(o: VmDiskOptions): Promise<VmDisk> {
  const work = await mkdtemp(join(tmpdir(), 'vboom-vmdisk-'))
  try {
    const { version } = o.kernel
    const tree = await readModuleTree(o.kernel.modulesDir, version)
    const sel = await selectModules(tree, VM_DRIVERS, [])
    const modules: TreeFile[] = []
    for (const rel of sel.ordered)
      modules.push({ path: `lib/modules/${version}/${rel}`, data: await readModule(join(tree.dir, rel)) })
    const order = `${sel.ordered.join('\n')}\n`
    const busybox = await staticBusybox()
    const applets = (await run(busybox, ['--list'])).stdout
      .split('\n')
      .filter((a) => a !== '' && a !== 'busybox')

    // the boot initramfs (gzip: any kernel reads it)
    const entries: CpioEntry[] = []
    const dirs = new Set<string>()
    const dir = (p: string): void => {
      for (let d = p; d !== '.' && d !== ''; d = dirname(d))
        if (!dirs.has(d)) {
          dirs.add(d)
          entries.push({ path: d, kind: 'dir' })
        }
    }
    for (const d of ['bin', 'sbin', 'proc', 'sys', 'dev', 'newroot']) dir(d)
    entries.push({ path: 'dev/console', kind: 'chardev', major: 5, minor: 1 })
    entries.push({ path: 'bin/busybox', kind: 'file', data: await readFile(busybox), mode: 0o755 })
    for (const a of applets) entries.push({ path: `bin/${a}`, kind: 'symlink', target: 'busybox' })
    for (const m of modules) {
      dir(dirname(m.path))
      entries.push({ path: m.path, kind: 'file', data: m.data! })
    }
    entries.push({ path: 'lib/modules/order', kind: 'file', data: Buffer.from(order) })
    entries.push({ path: 'init', kind: 'file', data: Buffer.from(BOOT_INIT(version)), mode: 0o755 })
    const chunks: Uint8Array[] = []
    await writeCpio(entries, async (c) => {
      chunks.push(c)
    })
    const bootInitrd = join(work, 'bootinit.gz')
    await writeFile(bootInitrd, gzipSync(Buffer.concat(chunks), { level: 1 }))

    // the root filesystem
    const root = join(work, 'root')
    const nodeLibs = await sharedLibraries(process.execPath)
    const files: TreeFile[] = [
      { path: 'bin/busybox', from: busybox, mode: 0o755 },
      ...applets.map((a) => ({ path: `bin/${a}`, symlink: 'busybox' })),
      { path: 'usr/bin/node', from: process.execPath, mode: 0o755 },
      ...nodeLibs.map((l) => ({ path: l.slice(1), from: l, mode: 0o755 })),
      ...modules,
      { path: `lib/modules/${version}/vboom.order`, data: Buffer.from(order) },
      { path: 'sbin/init', data: Buffer.from(NORMAL_INIT(version)), mode: 0o755 },
      { path: 'etc/udhcpc.script', data: Buffer.from(UDHCPC_SCRIPT), mode: 0o755 },
      { path: 'etc/hostname', data: Buffer.from(`${o.name}\n`) },
      { path: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\n') },
      { path: 'etc/resolv.conf', data: Buffer.from('') },
      { path: 'opt/vboom/normal-main.js', data: o.program },
      { path: 'opt/vboom/package.json', data: Buffer.from('{"type":"module"}\n') },
      { path: 'usr/local/lib/vboom/vboom-kexec', from: o.kexecHelper, mode: 0o755 },
      {
        path: 'vboom/vm.json',
        data: Buffer.from(`${JSON.stringify({ name: o.name, instanceClass: 'qemu-tcg-1' })}\n`),
      },
      { path: 'vboom/data/node.key', data: randomBytes(32), mode: 0o600 },
      { path: 'workload/data.bin', data: randomBytes(256 * 1024) },
      ...(o.extra ?? []),
    ]
    for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'root', 'mnt']) files.push({ path: `${d}/.keep` })
    await writeTree(root, files)

    // partitions: 1 MiB gap, p1 /boot, p2 root, then the reserve
    const bootMiB = 24
    const rootMiB = o.rootMiB ?? 192
    const reserveMiB = (o.reserveBootMiB ?? 64) + (o.reserveStateMiB ?? 192)
    const totalMiB = 1 + bootMiB + rootMiB + reserveMiB
    await rm(o.out, { force: true })
    await writeFile(o.out, new Uint8Array(0))
    await run('truncate', ['-s', `${totalMiB}M`, o.out])
    const p1 = { startLba: MiB / SECTOR, sectors: (bootMiB * MiB) / SECTOR }
    const p2 = { startLba: p1.startLba + p1.sectors, sectors: (rootMiB * MiB) / SECTOR }
    const cfg = join(work, 'syslinux.cfg')
    await writeFile(
      cfg,
      `SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT vm\nLABEL vm\n  LINUX /vmlinuz\n  INITRD /bootinit.gz\n  APPEND console=ttyS0,115200 quiet panic=30 root=/dev/vda2 ${GUEST_KERNEL_ARGS}\n`,
    )
    await run('mkfs.fat', [
      '-F',
      '16',
      '-n',
      'VMBOOT',
      '--offset',
      String(p1.startLba),
      o.out,
      String(bootMiB * 1024),
    ])
    await run('syslinux', ['--offset', String(p1.startLba * SECTOR), '--install', o.out])
    const fat = `${o.out}@@${p1.startLba * SECTOR}`
    await run('mcopy', ['-i', fat, o.kernel.kernel, '::/vmlinuz'])
    await run('mcopy', ['-i', fat, bootInitrd, '::/bootinit.gz'])
    await run('mcopy', ['-i', fat, cfg, '::/syslinux.cfg'])
    await run('mkfs.ext4', [
      '-q',
      '-F',
      '-L',
      `${o.name}-root`,
      '-d',
      root,
      '-E',
      `offset=${p2.startLba * SECTOR}`,
      o.out,
      `${rootMiB * 1024}k`,
    ])
    let sector0: Uint8Array = new Uint8Array(SECTOR)
    sector0.set((await readFile(MBR_BIN)).subarray(0, 440), 0)
    sector0.set(randomBytes(4), 440) // disk signature
    sector0 = withPartition(sector0, 1, { active: true, type: 0x0e, ...p1 })
    sector0 = withPartition(sector0, 2, { active: false, type: 0x83, ...p2 })
    await writeDurably(o.out, sector0, 0)

    const layout = await createReserve({
      disk: o.out,
      image: { ...o.image, cmdline: `${o.image.cmdline} ${GUEST_KERNEL_ARGS}` },
      bootBytes: (o.reserveBootMiB ?? 64) * MiB,
      stateBytes: (o.reserveStateMiB ?? 192) * MiB,
      mbrCode: MBR_BIN,
    })
    return { path: o.out, layout, bootArea: await readRange(o.out, 0, 4096) }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
