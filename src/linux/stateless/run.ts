/**
 * What the stateless image does once /init has mounted the reserve's state
 * partition (image/init-script.ts): read the boot record, bring the network
 * up as the running system had it, then act on the record's phase:
 * - stateless: a swap is pending or under way: run (or resume) it with the
 *   lifecycle's runner, which stores `completed` or `aborted` and calls
 *   `rebootNormal`;
 * - completed / aborted: the swap is over but the disk still boots this
 *   image (a crash before the final boot area was written): write it and
 *   reboot into the VM (`rebootNormal`).
 * It logs to the console and to a file in the reserve (log/), where the
 * owner reads it from the running VM afterwards. It never reboots into a
 * disk whose boot area is not final: only `rebootNormal` reboots, and it
 * writes the boot area first. Exit codes tell /init what to do: 3 (power
 * off: a retry cannot help), anything else (try again).
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import { type BootParams, BootParamsErrorCode } from '../../node/lifecycle/index.js'
import type { Logger } from '../../runtime/log.js'
import { CMDLINE_KEYS, STATELESS_EXIT_POWEROFF, STATELESS_STATE_MOUNT } from '../constants.js'
import { BootRecordCode, BootRecordError, ReserveCode, StatelessCode, StatelessError } from '../errors.js'
import { applyNetwork } from '../net/apply.js'
import { LinuxPlatform } from '../platform.js'
import { paramsDigest } from '../reserve/record.js'

/**
 * The lifecycle's stateless side (src/node/lifecycle: `runStatelessSwap`):
 * runs or resumes the swap the parameters describe on `platform.openSwapDisk()`
 * with its state in `platform.swapStateDir`, stores the outcome (phase
 * `completed` or `aborted`) and calls `platform.rebootNormal()`.
 */
export type StatelessSwapRunner = (
  params: BootParams,
  platform: LinuxPlatform,
  log: Logger,
) => Promise<unknown>

export interface StatelessRunOptions {
  /** The lifecycle's runner; without one, a pending swap cannot run and the machine powers off (the record stays). */
  runSwap: StatelessSwapRunner | null
  stateDir?: string
  disk?: string
}

/** Codes that a retry cannot fix: the machine powers off and the owner reads why in the reserve's log. */
const FINAL_CODES = new Set<string>([
  StatelessCode.SWAP_RUNNER_MISSING,
  BootRecordCode.CORRUPT,
  BootRecordCode.VERSION,
  BootRecordCode.MISSING,
  ReserveCode.FOREIGN_LAYOUT,
  ReserveCode.BOOT_AREA_LOST,
  ReserveCode.MISSING,
  ReserveCode.LAYOUT,
  // stored parameters that do not decode will not decode on the next try either
  BootParamsErrorCode.TOO_LARGE,
  BootParamsErrorCode.MALFORMED,
  BootParamsErrorCode.VERSION,
  BootParamsErrorCode.KEY_MISMATCH,
])

/** `key=value` arguments of the kernel command line. */
export function kernelArgs(cmdline: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const a of cmdline.trim().split(/\s+/)) {
    const eq = a.indexOf('=')
    if (eq > 0) out.set(a.slice(0, eq), a.slice(eq + 1))
  }
  return out
}

async function openLog(stateDir: string): Promise<{ log: Logger; file: string }> {
  const dir = join(stateDir, 'log')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `stateless-${new Date().toISOString().replace(/[:.]/g, '-')}.log`)
  const log = pino(
    { base: { component: 'vboom:linux:stateless' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream([
      { stream: pino.destination(2) },
      // written and fsynced line by line: the machine may be reset at any moment, and a
      // log left in the page cache is lost with it (a qemu test's reset lost one)
      { stream: pino.destination({ dest: file, sync: true, fsync: true, append: true }) },
    ]),
  )
  return { log, file }
}

/** Runs the stateless side; resolves with the exit code for /init (when it does not reboot the machine). */
export async function runStatelessImage(o: StatelessRunOptions): Promise<number> {
  const stateDir = o.stateDir ?? process.env.VBOOM_STATE_DIR ?? STATELESS_STATE_MOUNT
  const { log, file } = await openLog(stateDir)
  try {
    const cmdline = kernelArgs(await readFile('/proc/cmdline', 'utf8'))
    const platform = await LinuxPlatform.open({
      mode: 'stateless',
      stateDir,
      disk: o.disk ?? process.env.VBOOM_DISK,
    })
    const record = await platform.loadBootRecord()
    if (record === null) {
      log.error('no boot record in the reserve: nothing tells this image what to do')
      return STATELESS_EXIT_POWEROFF
    }
    const phase = record.params.phase
    const via = cmdline.get(CMDLINE_KEYS.via) ?? 'unknown'
    // one line for the console (and the tests): what this boot found
    process.stdout.write(
      `VBOOM-STATELESS phase=${phase} location=${platform.location} recorded-location=${record.location} via=${via} disk=${platform.diskPath} swap-bytes=${platform.layout.swapBytes} params-sha256=${paramsDigest(record.params)}\n`,
    )
    log.info(
      {
        phase,
        location: platform.location,
        recordedLocation: record.location,
        via,
        disk: platform.diskPath,
        logFile: file,
      },
      'stateless image started',
    )
    if (platform.location !== record.location)
      log.warn({ recorded: record.location }, 'this machine is not the location that stored the record')
    const net = await applyNetwork(record.network)
    process.stdout.write(
      `VBOOM-STATELESS-NET interfaces=${record.network.interfaces.length} applied=${net.applied} failed=${net.failed.length} missing=${net.missing.length}\n`,
    )
    log.info({ applied: net.applied, failed: net.failed, missing: net.missing }, 'network restored')
    if (phase === 'stateless') {
      if (o.runSwap === null)
        throw new StatelessError(
          StatelessCode.SWAP_RUNNER_MISSING,
          'a swap is pending but this stateless image carries no swap lifecycle to run it; the machine powers off with the swap pending (the disk is untouched and keeps booting this image). Rebuild the image with a VBoom that has the lifecycle (vboom image build, vboom reserve update), then power the machine on',
        )
      // checked as the lifecycle checks them: damaged parameters power the machine off (BootParamsError is final)
      const params = await platform.loadBootParams()
      if (params === null)
        throw new BootRecordError(
          BootRecordCode.MISSING,
          'the boot record vanished while the stateless image read it; power the machine on again',
        )
      // each phase on the console (and the tests' serial log) and in the reserve's log
      platform.onSwapProgress((e) => {
        if (e.type !== 'phase-start') return
        process.stdout.write(`VBOOM-STATELESS-PHASE ${e.phase}\n`)
        log.info({ phase: e.phase, total: e.total }, 'swap phase')
      })
      await o.runSwap(params, platform, log)
      const after = await platform.loadBootRecord()
      if (after?.params.phase === 'stateless') {
        log.error('the swap runner returned with the swap still pending')
        return 1
      }
    }
    log.info(
      { phase: (await platform.loadBootRecord())?.params.phase },
      'writing the final boot area, then rebooting',
    )
    await platform.rebootNormal()
    return 0
  } catch (err) {
    const e = err as { code?: string; name?: string; message?: string }
    log.error({ err: { name: e.name, code: e.code, message: e.message } }, 'the stateless run failed')
    process.stdout.write(`VBOOM-STATELESS-FAILED code=${e.code ?? 'UNKNOWN'} ${e.message ?? String(err)}\n`)
    return e.code !== undefined && FINAL_CODES.has(e.code) ? STATELESS_EXIT_POWEROFF : 1
  } finally {
    log.flush()
  }
}
