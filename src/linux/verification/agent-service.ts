/**
 * The VM's agent side of a verification (the Linux platform): it serves the
 * anchor's boot requests (src/protocols/verification-boot.ts). A request is
 * believed only once the anchor's signature checks against the agent's
 * configured anchor key and it names this machine's location and this VM;
 * the local verification image (signed by the anchor, kept by the owner in
 * the image dir, e.g. /var/lib/vboom/verification) is checked before the
 * agent answers, so a tampered or foreign image is refused while the VM is
 * still up and the anchor hears why. Then the agent leaves the session file
 * in the reserve (session-file.ts), answers, and boots the image
 * (LinuxPlatform.bootRemote, which checks the image again on the bytes it
 * loads).
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import type { LeaveHooks } from '../../node/platform/platform.js'
import { VBoomError } from '../../protocols/errors.js'
import { handleRpc, unhandleRpc } from '../../protocols/rpc.js'
import {
  encodeBootAnswer,
  MAX_BOOT_REQUEST_BYTES,
  VERIFICATION_BOOT_PROTOCOL,
  verifyBootRequest,
} from '../../protocols/verification-boot.js'
import type { Logger } from '../../runtime/log.js'
import type { VerificationImage } from '../../runtime/platform.js'
import { readSignedImageDir, verifyBootImage } from '../boot-image/signature.js'
import type { NetworkConfig } from '../net/config.js'
import { SESSION_FILE, writeSessionFile } from './session-file.js'

/** The image is checked (hashing ~50 MiB) and the session file written within this, ms. */
const HANDLER_TIMEOUT_MS = 60_000
/**
 * Between the answer and the kexec: the answer's frames must leave the
 * machine before the jump stops its network; a second is ample on a LAN or
 * a cloud, where the answer is a few hundred bytes.
 */
export const BOOT_AFTER_ANSWER_MS = 1_000

/** What the service needs of the machine: LinuxPlatform provides it. */
export interface VerifiableMachine {
  readonly location: string
  /** The reserve's state filesystem, mounted. */
  readonly stateDir: string
  /** Boots the image; `hooks.quiet` before the heavy part (LinuxPlatform: the kexec load). */
  bootRemote(image: VerificationImage, hooks?: LeaveHooks): Promise<unknown>
}

export interface VerificationServiceInit {
  node: Libp2p
  machine: VerifiableMachine
  anchorKey: Uint8Array
  /** How this agent reaches the anchor (multiaddrs with /p2p/): the image dials the same. */
  anchorAddrs: string[]
  /** The signed verification image's directory (vmlinuz, initramfs.img, cmdline, image.sig.json). */
  imageDir: string
  /** The running system's network configuration, for the image to restore. */
  captureNetwork: () => Promise<NetworkConfig>
  log: Logger
  /**
   * The running agent beside the service: quieted before the image loads (its
   * CPU and memory go to the boot) and woken when the boot failed and the VM
   * stays up. Absent: nothing is quieted.
   */
  agent?: { quiet: () => Promise<void>; wake: () => Promise<void> }
  /** Each request's outcome: `booting`, or the refusal's code (metrics). */
  onOutcome?: (outcome: string) => void
  now?: () => number
}

export class VerificationService {
  private busy = false
  private started = false

  constructor(private readonly init: VerificationServiceInit) {}

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await handleRpc(
      this.init.node,
      VERIFICATION_BOOT_PROTOCOL,
      (req, peer) => this.answer(req, peer.toString()),
      {
        maxRequestBytes: MAX_BOOT_REQUEST_BYTES,
        timeoutMs: HANDLER_TIMEOUT_MS,
        maxInboundStreams: 2,
        onStreamError: (err) => this.init.onOutcome?.(err.code),
      },
    )
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    await unhandleRpc(this.init.node, VERIFICATION_BOOT_PROTOCOL).catch(() => undefined)
  }

  private async answer(req: Uint8Array, from: string): Promise<Uint8Array> {
    const { init } = this
    try {
      const request = verifyBootRequest(req, {
        anchorKey: init.anchorKey,
        location: init.machine.location,
        vm: init.node.peerId.toString(),
        nowMs: init.now?.(),
      })
      if (this.busy) throw new VBoomError('BUSY', 'this VM is already booting the verification image')
      this.busy = true
      try {
        // the image the anchor signed, checked while the VM is up: a refusal leaves it running
        const { files, signed } = await readSignedImageDir(init.imageDir)
        verifyBootImage(files, signed, { anchorKey: init.anchorKey, purpose: 'verification' })
        await writeSessionFile(init.machine.stateDir, {
          session: request.session,
          anchorAddrs: init.anchorAddrs,
          network: await init.captureNetwork(),
        })
      } catch (err) {
        this.busy = false
        throw err
      }
      init.log.info(
        { session: request.session, from },
        'the anchor asked for a verification: booting its image',
      )
      init.onOutcome?.('booting')
      setTimeout(() => this.boot(), BOOT_AFTER_ANSWER_MS).unref()
      return encodeBootAnswer({ ok: true })
    } catch (err) {
      const e =
        err instanceof VBoomError
          ? err
          : new VBoomError(
              'INTERNAL',
              `the agent failed to prepare the verification: ${(err as Error).message}`,
            )
      init.log.warn({ code: e.code, from, err: e.message }, 'verification boot request refused')
      init.onOutcome?.(e.code)
      return encodeBootAnswer({ ok: false, code: e.code, message: e.message })
    }
  }

  private boot(): void {
    const { init } = this
    const hooks = init.agent === undefined ? {} : { quiet: init.agent.quiet }
    init.machine.bootRemote({ entry: init.imageDir }, hooks).catch(async (err: Error & { code?: string }) => {
      // the image did not start: the VM keeps running and the anchor's wait times out
      init.log.error({ code: err.code, err: err.message }, 'booting the verification image failed')
      await rm(join(init.machine.stateDir, SESSION_FILE), { force: true }).catch(() => undefined)
      await init.agent
        ?.wake()
        .catch((wakeErr: unknown) =>
          init.log.error({ err: wakeErr }, 'the agent did not start its services again; restart it'),
        )
      this.busy = false
    })
  }
}
