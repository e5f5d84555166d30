/**
 * Two real VMs swap hosts under qemu (TCG, chosen explicitly), through the
 * Linux platform and the swap lifecycle, with the anchor on the host:
 * 1. `vboom image build` makes the stateless image; two self-booting VM
 *    disks (vm-alpha in slot 1, vm-beta in slot 2) are built with
 *    `mkfs.ext4 -d`, each with its identity, workload data and the
 *    location's reserve, and `vboom agent` installed as `vboom install`
 *    lays it out (agent-install.ts: unit, config, the owner's delegation,
 *    the agent's key; the owners' keys stay on the host);
 * 2. both VMs boot their own systems and run their agents (`vboom agent
 *    --platform linux`, the unit's command): they find each other through
 *    the anchor's DHT, trade adverts over gossip, negotiate, register the
 *    agreement at the anchor, store the lifecycle's boot parameters and
 *    kexec into the stateless image by themselves
 *    (AgreementLeave -> LinuxPlatform.rebootStateless). The profiles are the
 *    config's explicit override (benchmarks under TCG take too long and
 *    measure the emulator): slot 1 advertises a fast CPU and a slow disk,
 *    slot 2 the reverse; vm-alpha's workload needs the disk, vm-beta's the
 *    CPU, so the swap is a gain to both;
 * 3. the stateless images run `runStatelessSwap`: the two nodes swap the
 *    disks over their peer link, coordinated by the anchor, store
 *    'completed', write the final boot area and reboot (qemu runs with
 *    -no-reboot here, so the host can check the disks between the boots);
 * 4. host checks: each slot's swapped region hashes (the swapper's Merkle
 *    root, computed on the host) to the partner's disk as it left;
 * 5. both slots boot again: slot 1 boots vm-beta, which learns its location
 *    (slot 1's DMI id) from the machine; its agent comes up with its own key
 *    and republishes its advert, which a libp2p node on the host sees in the
 *    gossip naming slot 1's location, signed by vm-beta's key; the ledger
 *    shows the transfer.
 *
 * A second run resets slot 2 (QMP system_reset, a power cut under -no-reboot)
 * at a random moment of its apply phase, after the commit point, powers it on
 * again and checks that its firmware lands in the stateless image, which
 * resumes from its journal, and that the swap still converges. That run
 * seeds the agreement in the ledger and leaves through a one-shot trigger
 * (fixtures/normal-main.ts) instead of the market: the reset is about the
 * boot path, and the market's minutes under TCG would only lengthen it.
 *
 * Runs only with VBOOM_QEMU_FULL=1 (several minutes on a 2-core machine);
 * smoke.test.ts is the short part that runs by default.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { copyFile, mkdir, mkdtemp, rm, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import t, { type Test } from 'tap'
import { decodeBootRecord } from '../../../src/linux/reserve/record.js'
import type { AgentConfigInput } from '../../../src/node/config.js'
import { freePort } from '../../../src/runtime/free-port.js'
import { openDisk } from '../../../src/swapper/disk.js'
import { indexDisk } from '../../../src/swapper/index/block-index.js'
import { agentRootFiles, nodeKeyFile } from './agent-install.js'
import { QemuAnchor, STATELESS_PORT } from './anchor.js'
import { CACHE, type DebianKernel, debianKernel, qemuSkipReason } from './env.js'
import { type BuiltImage, buildStatelessImage, bundleNormalProgram, readStateFile } from './harness.js'
import { AdvertObserver } from './observer.js'
import { QemuVm, type VmSlot, waitListening } from './qemu.js'
import { buildVmDisk, type VmDisk } from './vm-disk.js'

const FULL_VAR = 'VBOOM_QEMU_FULL'
const skip =
  process.env[FULL_VAR] !== '1'
    ? `the full qemu swap runs only with ${FULL_VAR}=1 (several minutes); smoke.test.ts runs by default`
    : await qemuSkipReason()
if (skip !== null) {
  t.plan(0, skip)
  process.exit(0)
}

t.setTimeout(20 * 60_000)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/**
 * The stateless image, built once for both runs (the same kernel and code):
 * a second `vboom image build` would only repeat the first.
 */
let sharedImage: Promise<BuiltImage> | null = null
function statelessImage(kernel: DebianKernel): Promise<BuiltImage> {
  sharedImage ??= (async () => {
    await mkdir(CACHE, { recursive: true })
    const dir = await mkdtemp(join(CACHE, 'swap-image-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    return buildStatelessImage(kernel, dir)
  })()
  return sharedImage
}

interface Outcome {
  phase: string
  outcome?: { reason: string; rootBefore?: string; rootAfter?: string }
}

/** The swapper's Merkle root of `disk`'s swapped region [0, swapBytes), computed on the host. */
async function regionRoot(disk: VmDisk, scratch: string): Promise<string> {
  await copyFile(disk.path, scratch)
  await truncate(scratch, disk.layout.swapBytes)
  const d = await openDisk(scratch, { checkInUse: false })
  try {
    return hex((await indexDisk(d)).root)
  } finally {
    await d.close()
    await rm(scratch, { force: true })
  }
}

/** Random data on each VM's root beside its workload: the swap moves real blocks and apply takes a while. */
const DATA_MIB = 16

/** The instance class both VMs are in (the anchor registers the locations with it). */
const CLASS = { vcpus: 1, memoryBytes: 2 ** 30, diskBytes: 2 ** 30 }
const stat = (median: number) => ({ median, spread: median * 0.05, samples: 30, windowMs: 600_000 })
/**
 * The profiles the agents advertise (the config's explicit override; the
 * profiler is off: its benchmarks under TCG take minutes and measure the
 * emulator). Slot 1 claims a fast CPU and a slow disk, slot 2 the reverse,
 * in a ratio of 4, far below what the partner's probe measures even under
 * TCG (ops/s, MB/s; netBw in Mbit/s below the peer link's ~100).
 */
const PROFILES = {
  a: { cpu: stat(4), diskWrite: stat(1), netBw: stat(20) },
  b: { cpu: stat(1), diskWrite: stat(4), netBw: stat(20) },
}
/** vm-alpha's workload is disk-bound, vm-beta's CPU-bound: each gains from the other's slot. */
const NEEDS = { a: { diskWrite: 0.9 }, b: { cpu: 0.9 } }

/** The agent's config on `role`'s disk, as its owner writes it. */
function agentConfig(role: 'a' | 'b', anchor: QemuAnchor): AgentConfigInput {
  return {
    instanceClass: CLASS,
    profileOverride: PROFILES[role],
    needs: NEEDS[role],
    needsMode: 'config',
    profiler: { enabled: false },
    // every address of the VM: the peer link's is the slot's (SMBIOS), not the disk's
    listen: [`/ip4/0.0.0.0/tcp/${STATELESS_PORT}`],
    bootstrap: [anchor.guestAddr],
    anchorKey: hex(anchor.publicKey),
    // a look at the market every 5 s; after the swap, no second trade within the test (the
    // override travels with the disk, so each VM would see a gain in swapping back)
    // no probe of the partner before signing (an owner's choice the config offers): the anchor's
    // benchmarks under TCG on a loaded 2-core host take minutes per probe
    market: { intervalMs: 5_000, largeGainFraction: 9, requireProbe: false },
  }
}

/** The peer id of `role`'s agent, from the node key installed on its disk. */
const agentPeerId = (anchor: QemuAnchor, role: 'a' | 'b'): string =>
  peerIdFromPrivateKey(privateKeyFromProtobuf(nodeKeyFile(anchor.sides[role].agent))).toString()

async function swapPair(t: Test, o: { resetAfterCommit: boolean; market: boolean }): Promise<void> {
  await mkdir(CACHE, { recursive: true })
  const dir = await mkdtemp(join(CACHE, 'swap-'))
  const vms: QemuVm[] = []
  let anchor: QemuAnchor | null = null
  let observer: AdvertObserver | null = null
  t.teardown(async () => {
    await observer?.stop()
    for (const vm of vms) await vm.stop()
    await anchor?.stop()
    if (process.env.VBOOM_QEMU_KEEP === '1') t.comment(`kept ${dir}`)
    else await rm(dir, { recursive: true, force: true })
  })
  const timings: Record<string, number> = {}
  const since = (t0: number): number => Math.round(Date.now() - t0)

  const kernel = await debianKernel()
  let t0 = Date.now()
  const image = await statelessImage(kernel)
  timings.imageBuild = since(t0)
  t.comment(
    `stateless image: initramfs ${(image.report.initramfs.bytes / 2 ** 20).toFixed(1)} MiB zstd (${(image.report.initramfs.rawBytes / 2 ** 20).toFixed(1)} MiB raw), kernel ${(image.report.kernel.bytes / 2 ** 20).toFixed(1)} MiB, built in ${(image.report.totalMs / 1000).toFixed(1)} s`,
  )

  const uuids = { a: randomUUID(), b: randomUUID() }
  const peerIps = { a: '10.0.0.1', b: '10.0.0.2' }
  t0 = Date.now()
  anchor = await QemuAnchor.start({
    dir: join(dir, 'anchor'),
    port: await freePort(),
    locations: { a: `dmi-uuid:${uuids.a}`, b: `dmi-uuid:${uuids.b}` },
    peerIps,
    diskBytes: CLASS.diskBytes,
    agreement: o.market ? 'market' : 'seeded',
  })
  timings.anchorStart = since(t0)

  const program = await bundleNormalProgram()
  const names = { a: 'vm-alpha', b: 'vm-beta' }
  t0 = Date.now()
  const disks = {} as Record<'a' | 'b', VmDisk>
  for (const role of ['a', 'b'] as const)
    disks[role] = await buildVmDisk({
      out: join(dir, `slot-${role}.raw`),
      name: names[role],
      kernel,
      image: { kernel: image.kernel, initramfs: image.initramfs, cmdline: image.cmdline },
      program,
      kexecHelper: image.kexecHelper,
      extra: [
        ...(o.market
          ? await agentRootFiles({
              agent: anchor.sides[role].agent,
              owner: anchor.sides[role].owner,
              config: agentConfig(role, anchor),
            })
          : [{ path: 'vboom/leave.json', data: anchor.trigger(role) }]),
        { path: 'workload/blob.bin', data: randomBytes(DATA_MIB * 2 ** 20) },
      ],
    })
  timings.diskBuild = since(t0)
  t.equal(disks.a.layout.swapBytes, disks.b.layout.swapBytes, 'both disks have the same swapped region')

  const port = await freePort()
  // the host reaches each guest's agent through a forward (the observer of the adverts)
  const forwards = { a: await freePort(), b: await freePort() }
  const forward = (role: 'a' | 'b') =>
    o.market ? { forward: { host: forwards[role], guest: STATELESS_PORT } } : {}
  const slots: Record<'a' | 'b', VmSlot> = {
    a: {
      uuid: uuids.a,
      peerMac: '52:54:00:00:01:0a',
      hostMac: '52:54:00:00:01:1a',
      link: { mode: 'listen', port },
      oem: `vboom.peer-ip=${peerIps.a}/24`,
      ...forward('a'),
    },
    b: {
      uuid: uuids.b,
      peerMac: '52:54:00:00:02:0a',
      hostMac: '52:54:00:00:02:1a',
      link: { mode: 'connect', port },
      oem: `vboom.peer-ip=${peerIps.b}/24`,
      ...forward('b'),
    },
  }
  const boot = (role: 'a' | 'b', name: string, noReboot: boolean): QemuVm => {
    const vm = new QemuVm({ name, disk: disks[role].path, dir, slot: slots[role], noReboot })
    vms.push(vm)
    vm.start()
    return vm
  }

  // both leave their running systems for the stateless image
  const bootPair = async (names: [string, string], noReboot: boolean): Promise<Record<'a' | 'b', QemuVm>> => {
    const a = boot('a', names[0], noReboot)
    await waitListening(port)
    return { a, b: boot('b', names[1], noReboot) }
  }
  const first = await bootPair(['slot1-run1', 'slot2-run1'], true)
  const left = await Promise.all(
    (['a', 'b'] as const).map(async (role) => {
      const vm = first[role]
      const normal = await vm.waitFor(/VBOOM-NORMAL vm=(\S+) uuid=(\S+)/, 240_000)
      t.equal(normal.match[1], names[role], `slot ${role}: ${names[role]} booted its own system`)
      let agentMs: number | undefined
      let leaving: { end: number; atMs: number }
      if (o.market) {
        const agent = await vm.waitFor(/agent (\S+) \(class/, 240_000, normal.end)
        t.equal(agent.match[1], agentPeerId(anchor!, role), `slot ${role}: ${names[role]}'s agent runs`)
        agentMs = agent.atMs
        // the agent's own decision: the agreement is registered and it leaves for it
        leaving = await vm.waitFor(/leaving for the agreed swap/, 900_000, agent.end)
      } else leaving = await vm.waitFor(/VBOOM-NORMAL-LEAVING/, 120_000, normal.end)
      const init = await vm.waitFor(/VBOOM-INIT start via=(\S+)/, 180_000, leaving.end)
      t.equal(init.match[1], 'kexec', `slot ${role}: the stateless image was entered by kexec`)
      const s = await vm.waitFor(/VBOOM-STATELESS phase=(\S+)/, 120_000, init.end)
      t.equal(s.match[1], 'stateless', `slot ${role}: the stateless entry found the swap pending`)
      return { normalMs: normal.atMs, agentMs, leavingMs: leaving.atMs, initMs: init.atMs, entryMs: s.atMs }
    }),
  )
  timings.normalBoot = Math.max(left[0]!.normalMs, left[1]!.normalMs)
  if (o.market) {
    timings.agentsStarted = Math.max(...left.map((l) => l.agentMs!))
    // from both agents up to the later one's leave: discovery, gossip, negotiation, probes, registration
    timings.agentsToAgreed = Math.max(...left.map((l) => l.leavingMs)) - timings.agentsStarted
  }
  timings.leaveToStatelessInit = Math.max(...left.map((l) => l.initMs - l.leavingMs))
  timings.leaveToStatelessEntry = Math.max(...left.map((l) => l.entryMs - l.leavingMs))

  // a reset of slot 2 after the commit point (the apply phase began): with -no-reboot it is a
  // power cut; the machine is powered on again and its firmware must land in the stateless image
  if (o.resetAfterCommit) {
    const apply = await first.b.waitFor(/VBOOM-STATELESS-PHASE apply/, 600_000)
    const delayMs = Math.floor(Math.random() * 1500)
    await new Promise((r) => setTimeout(r, delayMs))
    const finishedFirst = /reboot: Restarting/.test((await first.b.serial()).slice(apply.end))
    t.notOk(finishedFirst, `the reset (${delayMs} ms into apply) came before slot 2 finished`)
    await first.b.qmp('system_reset').catch(() => undefined)
    await first.b.waitExit(60_000)
    const again = boot('b', 'slot2-run1-after-reset', true)
    const init = await again.waitFor(/VBOOM-INIT start via=(\S+)/, 240_000)
    t.equal(init.match[1], 'reserve', "after the reset slot 2's firmware booted the stateless image")
    const s = await again.waitFor(/VBOOM-STATELESS phase=(\S+)/, 180_000, init.end)
    t.equal(s.match[1], 'stateless', 'which resumes the pending swap')
    t.notOk(/VBOOM-NORMAL vm=/.test(await again.serial()), 'the half-written disk never booted')
    first.b = again
  }

  // the swap, then the reboot that ends qemu
  const exits = await Promise.all(
    (['a', 'b'] as const).map(async (role) => {
      const code = await first[role].waitExit(900_000)
      return { role, code, atMs: Date.now() - first[role].startedAt }
    }),
  )
  for (const e of exits) t.equal(e.code, 0, `slot ${e.role}: the stateless side rebooted after the swap`)
  // from the later stateless entry to the later reboot: the swap itself, both sides
  timings.swapToReboot = Math.max(...exits.map((e) => e.atMs)) - Math.max(...left.map((l) => l.entryMs))

  // the host's checks between the boots
  const records = {} as Record<'a' | 'b', Outcome>
  const swapIds = {} as Record<'a' | 'b', string>
  for (const role of ['a', 'b'] as const) {
    const r = decodeBootRecord(
      (await readStateFile(disks[role].path, disks[role].layout, 'boot/record.json')).toString('utf8'),
    )
    records[role] = r.params as unknown as Outcome
    // the record holds the boot parameters in their own JSON encoding (byte strings as hex)
    swapIds[role] = (r.params as unknown as { swap: { swapId: string } }).swap.swapId
    t.equal(records[role].phase, 'completed', `slot ${role}: the record says completed`)
    t.equal(r.location, `dmi-uuid:${uuids[role]}`, `slot ${role}: recorded at its own location`)
  }
  t.equal(swapIds.a, swapIds.b, 'both slots swapped under the same agreement')
  if (anchor.swapId !== null) t.equal(swapIds.a, hex(anchor.swapId), 'the seeded one')
  const { a: ra, b: rb } = records
  // A side that finished first, while its partner was still cleaning up, records no roots
  // (the partner finishes on its own); the other side's swapper proved its disk equals the
  // partner's signed manifest, so its rootAfter is the partner's root as it left.
  t.ok(
    (ra.outcome?.rootBefore !== undefined && ra.outcome.rootAfter !== undefined) ||
      (rb.outcome?.rootBefore !== undefined && rb.outcome.rootAfter !== undefined),
    'at least one side recorded its disk roots before and after',
  )
  const leftA = ra.outcome?.rootBefore ?? rb.outcome?.rootAfter
  const leftB = rb.outcome?.rootBefore ?? ra.outcome?.rootAfter
  if (ra.outcome?.rootBefore !== undefined && rb.outcome?.rootAfter !== undefined)
    t.equal(rb.outcome.rootAfter, ra.outcome.rootBefore, "slot 2's swapper ended on vm-alpha's root")
  if (rb.outcome?.rootBefore !== undefined && ra.outcome?.rootAfter !== undefined)
    t.equal(ra.outcome.rootAfter, rb.outcome.rootBefore, "slot 1's swapper ended on vm-beta's root")
  t.not(leftA, leftB, 'the two VMs’ disks differed')
  t.equal(
    await regionRoot(disks.a, join(dir, 'hash-a.raw')),
    leftB,
    "the host's hash of slot 1's disk is vm-beta's as it left",
  )
  t.equal(
    await regionRoot(disks.b, join(dir, 'hash-b.raw')),
    leftA,
    "the host's hash of slot 2's disk is vm-alpha's as it left",
  )
  t.comment(`outcomes: a ${ra.outcome?.reason}; b ${rb.outcome?.reason}`)

  // both slots boot again: each runs the other's VM
  const second = await bootPair(['slot1-run2', 'slot2-run2'], false)
  for (const role of ['a', 'b'] as const) {
    const other = role === 'a' ? 'b' : 'a'
    const vm = second[role]
    const normal = await vm.waitFor(/VBOOM-NORMAL vm=(\S+) uuid=(\S+)/, 240_000)
    timings[`bootBack-${role}`] = normal.atMs
    t.equal(normal.match[1], names[other], `slot ${role} boots ${names[other]} now`)
    t.equal(normal.match[2], uuids[role], `on slot ${role}'s machine`)
    if (o.market) continue // the agent's own checks follow
    const plat = await vm.waitFor(/VBOOM-NORMAL-PLATFORM vm=\S+ location=(\S+)/, 120_000, normal.end)
    t.equal(
      plat.match[1],
      `dmi-uuid:${uuids[role]}`,
      `${names[other]} learns its new location from the machine`,
    )
    const rec = await vm.waitFor(/VBOOM-NORMAL-RECORD phase=(\S+)/, 60_000, plat.end)
    t.equal(rec.match[1], 'completed', `${names[other]} finds the completed swap in the location's record`)
  }
  if (o.market) {
    // the agents that come up are the partners', with their own keys, and rejoin the mesh
    const up = {} as Record<'a' | 'b', number>
    for (const role of ['a', 'b'] as const) {
      const other = role === 'a' ? 'b' : 'a'
      // the agent's boot notice: the location from the machine differs from the one it left
      const moved = await second[role].waitFor(
        /"from":"([^"]+)","to":"([^"]+)"[^\n]*"msg":"this VM moved"/,
        240_000,
      )
      t.same(
        [moved.match[1], moved.match[2]],
        [`dmi-uuid:${uuids[other]}`, `dmi-uuid:${uuids[role]}`],
        `${names[other]}'s agent learns from the machine that it moved to slot ${role}`,
      )
      const agent = await second[role].waitFor(/agent (\S+) \(class/, 240_000)
      t.equal(agent.match[1], agentPeerId(anchor, other), `slot ${role} runs ${names[other]}'s agent`)
      up[role] = agent.atMs
    }
    timings.bootBackToAgent = Math.max(up.a, up.b)
    const t1 = Date.now()
    observer = await AdvertObserver.start({ instanceClass: CLASS, bootstrap: [] })
    const beta = agentPeerId(anchor, 'b')
    await observer.connect(forwards.a, beta, 120_000)
    const advert = await observer.waitFor(
      (a) => a.vm === beta && a.location === `dmi-uuid:${uuids.a}`,
      300_000,
      { port: forwards.a, peerId: beta },
    )
    timings.rejoin = Date.now() - t1
    t.equal(advert.location, `dmi-uuid:${uuids.a}`, "vm-beta's advert in the gossip names slot 1's location")
    t.equal(advert.vm, beta, "signed by vm-beta's agent key (gossip's strict signing, checked on receipt)")
    for (const role of ['a', 'b'] as const) await second[role].stop()
  } else for (const role of ['a', 'b'] as const) await second[role].waitExit(120_000)

  await anchor.stop()
  await anchor.ledger((l) => {
    t.equal(
      l.swapState(new Uint8Array(Buffer.from(swapIds.a, 'hex')))?.status,
      'committed',
      'the ledger committed the swap',
    )
    t.equal(
      hex(l.ownerOf(`dmi-uuid:${uuids.a}`)!.owner),
      hex(anchor!.sides.b.owner.publicKey),
      "slot 1's location now belongs to vm-beta's owner",
    )
    t.equal(
      hex(l.ownerOf(`dmi-uuid:${uuids.b}`)!.owner),
      hex(anchor!.sides.a.owner.publicKey),
      "slot 2's location now belongs to vm-alpha's owner",
    )
  })
  t.comment(`swapped region ${(disks.a.layout.swapBytes / 2 ** 20).toFixed(0)} MiB per disk`)
  t.comment(`timings (ms): ${JSON.stringify(timings)}`)
}

t.test(
  'two VMs’ agents trade, swap hosts through the stateless image and come up on each other’s disks',
  (t) => swapPair(t, { resetAfterCommit: false, market: true }),
)

t.test(
  'a reset of one machine after the commit point lands in the stateless image and the swap converges',
  (t) => swapPair(t, { resetAfterCommit: true, market: false }),
)
