/**
 * The Linux platform: the agent's platform on real machines (cloud VMs), and
 * the stateless side's view of the same machine.
 *
 * Why src/linux/ is a room of its own: it is what "reboot into stateless
 * mode", "the disk", "the location" and "the boot parameters" mean on a
 * real Linux machine (kexec, the VBoom disk layout and its reserve, DMI,
 * the network configuration), and it is also the builder of the stateless
 * image that the machine boots into. It depends on node (it implements
 * node's Platform interface) and on the swapper (it gives the swap its view
 * of the disk); nothing in node or the swapper depends on it.
 *
 * Two modes on one machine:
 * - running: the VM's own system. `storeBootParams` writes the boot record
 *   into the reserve; `rebootStateless` loads the stateless kernel, saves
 *   the boot area and redirects sector 0 (reserve/boot-area.ts), then jumps.
 * - stateless: the initramfs's /init mounted the reserve's state partition;
 *   the swap runs on `openSwapDisk()`; `rebootNormal` writes the final boot
 *   area, sector 0 last, and reboots into whatever VM the disk now holds.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type BootParams, decodeBootParams, encodeBootParams } from '../node/lifecycle/boot-params.js'
import type { LeaveHooks, Platform } from '../node/platform/platform.js'
import type { Logger } from '../runtime/log.js'
import type { RemoteSession, VerificationImage } from '../runtime/platform.js'
import type { SwapProgressEvent } from '../swapper/events.js'
import { readSignedImageDir, verifyBootImage } from './boot-image/signature.js'
import { CMDLINE_KEYS, STATE_FILES, STATE_MOUNT, STATELESS_STATE_MOUNT } from './constants.js'
import { diskBytesOf, diskInfo, listDisks, readRange } from './disk/devices.js'
import { SECTOR_BYTES } from './disk/mbr.js'
import {
  BootImageCode,
  BootImageError,
  BootRecordCode,
  BootRecordError,
  ReserveCode,
  ReserveError,
} from './errors.js'
import { type KexecCapability, kexecRefusal } from './kexec/capability.js'
import { type KexecTool, toolMissing } from './kexec/loader.js'
import { type MachineActions, realMachine } from './machine/actions.js'
import { detectLocation, type Location } from './machine/location.js'
import { captureNetwork } from './net/capture.js'
import { type NetworkConfig, NO_NETWORK } from './net/config.js'
import { commitBoot, isRedirected, redirectBoot } from './reserve/boot-area.js'
import { findReserve, type ReserveLayout, reserveFromTable } from './reserve/layout.js'
import {
  type BootRecord,
  clearBootRecord,
  loadBootRecord,
  type PhasedParams,
  storeBootRecord,
} from './reserve/record.js'
import { ReservedSwapDisk } from './reserve/swap-disk.js'

export type LinuxMode = 'running' | 'stateless'
/** How the running system enters the stateless image. */
export type StatelessEntry = 'kexec' | 'firmware'

export interface LinuxPlatformInit {
  mode: LinuxMode
  /** The VM's disk (default: the machine's disk whose partition table has a VBoom reserve). */
  disk?: string
  /**
   * The reserve's mounted state filesystem. Default: running mode mounts it
   * at /run/vboom/reserve; the stateless /init mounts it at /vboom/state.
   */
  stateDir?: string
  /**
   * kexec (default): refused, before anything changes, where kexec cannot
   * work. firmware: a plain reboot, which the redirected sector 0 sends into
   * the reserve's stateless image (BIOS-booted machines; slower: the
   * firmware runs again).
   */
  entry?: StatelessEntry
  /** Where disk benchmarks put scratch files, on the VM's own filesystem. Default /var/lib/vboom/scratch. */
  diskDir?: string
  /** The anchor's public key: `bootRemote` boots only images it signed. */
  anchorKey?: Uint8Array
  /** Ask cloud metadata services when DMI gives no identity. Default true in running mode. */
  metadata?: boolean
  sysRoot?: string
  /** A private directory in RAM for the checked bytes of a signed image (bootRemote). Default /run/vboom. */
  runDir?: string
  /** The machine-level actions (tests replace them). */
  machine?: MachineActions
  /** Where the leave's steps are logged (each with the ms since the leave began); default: not logged. */
  log?: Logger
}

/** The running kernel's console= arguments, kept for the stateless kernel so the owner's console shows it. */
export function consoleArgs(procCmdline: string): string {
  const args = procCmdline.split(/\s+/).filter((a) => a.startsWith('console='))
  return args.join(' ')
}

export class LinuxPlatform implements Platform {
  readonly kind = 'linux' as const

  private constructor(
    readonly mode: LinuxMode,
    private readonly loc: Location,
    /** The VM's disk (whole device or image file). */
    readonly diskPath: string,
    readonly layout: ReserveLayout,
    /** The reserve's state filesystem. */
    readonly stateDir: string,
    readonly diskDir: string,
    private readonly init: LinuxPlatformInit,
    private readonly machine: MachineActions,
  ) {}

  private progressListener: ((e: SwapProgressEvent) => void) | null = null

  /** Where the stateless swap's progress goes (the stateless entry logs its phases). */
  onSwapProgress(listener: (e: SwapProgressEvent) => void): void {
    this.progressListener = listener
  }

  /** StatelessPlatform: the swap's progress, passed to the listener; best effort, never throws. */
  reportSwapProgress(e: SwapProgressEvent): void {
    try {
      this.progressListener?.(e)
    } catch {
      // a log that fails must not fail the swap
    }
  }

  get location(): string {
    return this.loc.id
  }

  get locationSource(): Location['source'] {
    return this.loc.source
  }

  /** The swapper's state directory (journal, manifests, staging): in the reserve, never in the swapped region. */
  get swapStateDir(): string {
    return join(this.stateDir, STATE_FILES.swap)
  }

  /** Where the stateless runs keep their logs (the reserve; readable from the running VM afterwards). */
  get logDir(): string {
    return join(this.stateDir, STATE_FILES.log)
  }

  static async open(init: LinuxPlatformInit): Promise<LinuxPlatform> {
    const machine = init.machine ?? realMachine
    const { disk, layout } = await locateDisk(init)
    let stateDir = init.stateDir
    if (stateDir === undefined) {
      if (init.mode === 'stateless') stateDir = STATELESS_STATE_MOUNT
      else stateDir = await mountState(disk, layout, machine, init.sysRoot)
    }
    let loc: Location
    try {
      loc = await detectLocation({
        sysRoot: init.sysRoot,
        metadata: init.metadata ?? init.mode === 'running',
      })
    } catch (err) {
      // stateless: the location recorded when the machine left its running system will do for the logs
      const record = init.mode === 'stateless' ? await loadBootRecord(stateDir).catch(() => null) : null
      if (record === null) throw err
      loc = { id: record.location, source: 'dmi-uuid', detail: 'from the boot record' }
    }
    return new LinuxPlatform(
      init.mode,
      loc,
      disk,
      layout,
      stateDir,
      init.diskDir ?? '/var/lib/vboom/scratch',
      init,
      machine,
    )
  }

  /** The stored record, or null. Its `params` are the lifecycle's boot parameters in their own JSON encoding. */
  loadBootRecord(): Promise<BootRecord | null> {
    return loadBootRecord(this.stateDir)
  }

  /** The lifecycle's boot parameters, checked as the lifecycle checks them (BootParamsError), or null. */
  async loadBootParams(): Promise<BootParams | null> {
    const record = await this.loadBootRecord()
    return record === null ? null : paramsFromRecord(record.params)
  }

  /**
   * Stores the lifecycle's boot parameters (durable before it returns) with
   * the location and, on the running system, its network configuration as
   * it is now; the stateless side keeps the configuration it booted with.
   */
  async storeBootParams(params: BootParams): Promise<void> {
    await this.storeRecordParams(paramsToRecord(params))
  }

  /** Writes `params` (already in the record's form) with the network and location as storeBootParams says. */
  private async storeRecordParams(params: PhasedParams): Promise<void> {
    const before = await this.loadBootRecord().catch(() => null)
    let network: NetworkConfig
    if (this.mode === 'running') network = await captureNetwork(this.init.sysRoot)
    else network = before?.network ?? NO_NETWORK
    await storeBootRecord(this.stateDir, {
      version: 1,
      params,
      network,
      location: this.mode === 'running' ? this.location : (before?.location ?? this.location),
      bootAreaSha256: before?.bootAreaSha256 ?? null,
      writtenAt: new Date().toISOString(),
    })
  }

  /** Removes the boot record: the running VM does once a completed or aborted swap's VM is up. */
  async clearBootParams(): Promise<void> {
    await clearBootRecord(this.stateDir)
  }

  /**
   * The disk as the swap must see it: the swapped region, with the true boot
   * area (reserve/swap-disk.ts). The lifecycle's stateless swap opens the
   * disk through this (StatelessPlatform.openSwapDisk), never `diskPath` raw.
   */
  openSwapDisk(o: { writable?: boolean } = {}): Promise<ReservedSwapDisk> {
    return ReservedSwapDisk.open({
      devicePath: this.diskPath,
      stateDir: this.stateDir,
      layout: this.layout,
      ...o,
    })
  }

  /** Whether sector 0 boots the reserve's stateless image now. */
  async redirected(): Promise<boolean> {
    const mbrCode = await readFile(join(this.stateDir, STATE_FILES.mbrCode))
    return isRedirected({ devicePath: this.diskPath, stateDir: this.stateDir, layout: this.layout, mbrCode })
  }

  /** What the machine can do about kexec, and with which tool: for `vboom platform check`. */
  async kexecStatus(): Promise<{
    capability: KexecCapability
    tool: KexecTool | null
    refusal: string | null
  }> {
    const capability = await this.machine.probeKexec({ sysRoot: this.init.sysRoot })
    const tool = await this.machine.findKexecTool()
    const refusal = kexecRefusal(capability)?.message ?? (tool === null ? toolMissing().message : null)
    return { capability, tool, refusal }
  }

  /** Refuses (typed) unless kexec can work here; returns the tool and the lockdown mode. */
  private async kexecReady(): Promise<{ tool: KexecTool; capability: KexecCapability }> {
    const capability = await this.machine.probeKexec({ sysRoot: this.init.sysRoot })
    const refusal = kexecRefusal(capability)
    if (refusal !== null) throw refusal
    const tool = await this.machine.findKexecTool()
    if (tool === null) throw toolMissing()
    return { tool, capability }
  }

  /** The stateless kernel's arguments: the reserve's (with vboom.state), the console of this boot, how it was entered. */
  private async statelessCmdline(): Promise<string> {
    const base = (await readFile(join(this.stateDir, STATE_FILES.cmdline), 'utf8')).trim()
    const proc = await readFile('/proc/cmdline', 'utf8').catch(() => '')
    const consoles = base.includes('console=') ? '' : consoleArgs(proc)
    return `${base} ${consoles} ${CMDLINE_KEYS.via}=kexec`.replace(/\s+/g, ' ').trim()
  }

  /**
   * Leaves the running system for the stateless image. Order: (1) with
   * kexec, check it can work (a refusal is thrown here, nothing changed),
   * quiet the agent (`hooks.quiet`: the load reads and hashes the whole
   * image, ~45 MB, and competed with the agent for the CPU) and load the
   * image: still nothing changed, and a failed load is thrown here (the
   * agent starts its services again); (2) refresh the record's network configuration;
   * (3) save the boot area and redirect sector 0 (from here every boot lands
   * in the stateless image); (4) record the boot area's hash; (5) sync and
   * jump. If the jump fails after (3), a firmware reboot gets there too.
   */
  async rebootStateless(hooks: LeaveHooks = {}): Promise<never> {
    if (this.mode !== 'running')
      throw new BootRecordError(
        BootRecordCode.PHASE,
        'rebootStateless is for the running system; the stateless image is already running',
      )
    const record = await this.loadBootRecord()
    if (record === null)
      throw new BootRecordError(
        BootRecordCode.MISSING,
        'no boot record: store the boot parameters (storeBootParams) before leaving the running system; nothing was changed',
      )
    if (record.params.phase !== 'stateless')
      throw new BootRecordError(
        BootRecordCode.PHASE,
        `the boot record's phase is ${record.params.phase}, not stateless: there is no swap to leave for; nothing was changed`,
      )
    const entry = this.init.entry ?? 'kexec'
    const step = stepLog(this.init.log)
    step('leaving the running system', { entry })
    let kexec: { tool: KexecTool } | null = null
    if (entry === 'kexec') {
      const { tool, capability } = await this.kexecReady()
      step('kexec can work here', { tool: tool.kind })
      await hooks.quiet?.()
      step('agent quiet')
      await this.machine.loadKexec(
        tool,
        {
          kernel: join(this.stateDir, STATE_FILES.kernel),
          initrd: join(this.stateDir, STATE_FILES.initramfs),
          cmdline: await this.statelessCmdline(),
        },
        capability.lockdown,
      )
      step('stateless image loaded')
      kexec = { tool }
    } else {
      await hooks.quiet?.()
      step('agent quiet')
    }
    let redirect: Awaited<ReturnType<typeof redirectBoot>>
    try {
      await this.storeRecordParams(record.params)
      step('network configuration stored')
      const mbrCode = await readFile(join(this.stateDir, STATE_FILES.mbrCode))
      redirect = await redirectBoot({
        devicePath: this.diskPath,
        stateDir: this.stateDir,
        layout: this.layout,
        mbrCode,
      })
    } catch (err) {
      if (kexec !== null) await this.machine.unloadKexec(kexec.tool).catch(() => undefined)
      throw err
    }
    step('boot area saved, sector 0 redirected')
    const now = await this.loadBootRecord()
    if (now !== null)
      await storeBootRecord(this.stateDir, { ...now, bootAreaSha256: redirect.bootAreaSha256 })
    await this.machine.sync()
    step('synced')
    if (kexec !== null) {
      const systemd = await this.machine.systemd()
      if (!systemd) await this.machine.quiesce()
      step('jumping into the stateless image', { systemd })
      try {
        return await this.machine.execKexec(kexec.tool, { systemd })
      } catch {
        // sector 0 is redirected: the firmware path reaches the stateless image as well
        return this.machine.reboot()
      }
    }
    return this.machine.reboot()
  }

  /**
   * Boots whatever VM the disk holds. On the stateless side the record must
   * say completed or aborted: the saved boot area (the partner's, or ours
   * after an abort) is written to the disk, sector 0 last, then the machine
   * reboots into it. On the running system it is a plain reboot.
   */
  async rebootNormal(): Promise<never> {
    if (this.mode === 'stateless') {
      const record = await this.loadBootRecord()
      if (record === null || record.params.phase === 'stateless')
        throw new BootRecordError(
          BootRecordCode.PHASE,
          `the swap has not finished (boot record phase ${record?.params.phase ?? 'missing'}); the disk keeps booting the stateless image until it has`,
        )
      const info = await diskInfo(this.diskPath.replace(/^\/dev\//, ''), this.init.sysRoot)
      await commitBoot({
        devicePath: this.diskPath,
        stateDir: this.stateDir,
        layout: this.layout,
        logicalBlockBytes: info?.logicalBlockBytes ?? SECTOR_BYTES,
      })
    }
    await this.machine.sync()
    return this.machine.reboot()
  }

  /**
   * Boots the anchor's verification image (src/runtime/platform.ts): checks
   * the anchor's signature over kernel, initramfs and command line, copies
   * the checked bytes to a private directory (what is booted is what was
   * checked), loads them with the signed command line and nothing added, and
   * jumps. The boot area is not redirected: a reset during verification
   * boots the VM again, and the image reboots into the VM when it is done.
   * `image.entry` is the directory of the signed image. Never resolves.
   * Quiets the agent (`hooks.quiet`) as a leave does: after the image and
   * kexec checks (a refusal changes nothing), before the load.
   */
  async bootRemote(image: VerificationImage, hooks: LeaveHooks = {}): Promise<RemoteSession> {
    const anchorKey = this.init.anchorKey
    if (anchorKey === undefined)
      throw new BootImageError(
        BootImageCode.WRONG_SIGNER,
        "this platform was opened without the anchor's key, so no image can be checked; configure the anchor key",
      )
    const { files, signed } = await readSignedImageDir(image.entry)
    verifyBootImage(files, signed, { anchorKey, purpose: 'verification' })
    const { tool, capability } = await this.kexecReady()
    await hooks.quiet?.()
    const runDir = this.init.runDir ?? '/run/vboom'
    await mkdir(runDir, { recursive: true, mode: 0o700 })
    const dir = await mkdtemp(join(runDir, 'verification-'))
    await writeFile(join(dir, 'vmlinuz'), files.kernel, { mode: 0o600 })
    await writeFile(join(dir, 'initramfs.img'), files.initramfs, { mode: 0o600 })
    await this.machine.loadKexec(
      tool,
      { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initramfs.img'), cmdline: signed.cmdline },
      capability.lockdown,
    )
    await this.machine.sync()
    const systemd = await this.machine.systemd()
    if (!systemd) await this.machine.quiesce()
    return this.machine.execKexec(tool, { systemd })
  }
}

/** Logs one step of the leave with the ms since the first; a log that fails never stops the leave. */
function stepLog(log: Logger | undefined): (msg: string, fields?: Record<string, unknown>) => void {
  const t0 = performance.now()
  return (msg, fields = {}) => {
    try {
      log?.info({ ...fields, ms: Math.round(performance.now() - t0) }, msg)
    } catch {
      // the leave goes on without its log
    }
  }
}

/**
 * The lifecycle's boot parameters as the record holds them: their own JSON
 * encoding (byte strings as hex, checked by the lifecycle's decoder when read
 * back), so a record is readable by anything that reads boot parameters.
 */
function paramsToRecord(p: BootParams): PhasedParams {
  return JSON.parse(encodeBootParams(p)) as PhasedParams
}

function paramsFromRecord(stored: PhasedParams): BootParams {
  return decodeBootParams(JSON.stringify(stored))
}

/** The disk with the VBoom reserve: the one named, or the first of the machine's disks that has one. */
async function locateDisk(init: LinuxPlatformInit): Promise<{ disk: string; layout: ReserveLayout }> {
  if (init.disk !== undefined) {
    const bytes = await diskBytesOf(init.disk, init.sysRoot)
    const sector0 = await readRange(init.disk, 0, SECTOR_BYTES)
    return { disk: init.disk, layout: await findReserve(init.disk, bytes, sector0) }
  }
  const seen: string[] = []
  for (const d of await listDisks(init.sysRoot)) {
    seen.push(d.path)
    const sector0 = await readRange(d.path, 0, SECTOR_BYTES).catch(() => null)
    if (sector0 === null) continue
    let table: ReserveLayout | null = null
    try {
      table = reserveFromTable(sector0, d.bytes)
    } catch {
      continue // no MBR, GPT, ...: not a VBoom disk
    }
    if (table !== null) return { disk: d.path, layout: await findReserve(d.path, d.bytes, sector0) }
  }
  throw new ReserveError(
    ReserveCode.MISSING,
    `no disk of this machine (${seen.join(', ') || 'none found'}) has a VBoom reserve; create one with vboom reserve create on the VM's boot disk`,
  )
}

/** Mounts the reserve's state partition at STATE_MOUNT unless it already is; returns the mount point. */
async function mountState(
  disk: string,
  layout: ReserveLayout,
  machine: MachineActions,
  sysRoot?: string,
): Promise<string> {
  const info = await diskInfo(disk.replace(/^\/dev\//, ''), sysRoot)
  const part = info?.partitions.find((p) => p.index === layout.state.index)
  if (part === undefined)
    throw new ReserveError(
      ReserveCode.STATE_UNAVAILABLE,
      `the kernel does not list partition ${layout.state.index} of ${disk} (the reserve's state partition); make it re-read the table (partx -a ${disk}, or reboot)`,
    )
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  const dev = (
    await readFile(`${sysRoot ?? '/sys'}/class/block/${part.name}/dev`, 'utf8').catch(() => '')
  ).trim()
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ')
    if (f[2] === dev && f[4] !== undefined) return f[4]
  }
  try {
    await machine.mountExt4(`/dev/${part.name}`, STATE_MOUNT)
  } catch (err) {
    throw new ReserveError(
      ReserveCode.STATE_UNAVAILABLE,
      `cannot mount the reserve's state partition /dev/${part.name} at ${STATE_MOUNT}: ${(err as Error).message}; check it with e2fsck`,
      { cause: err },
    )
  }
  return STATE_MOUNT
}
