/**
 * The platform: what the machine-level operations mean where the agent runs.
 * The anchor drives verification through `bootRemote` (declared with its
 * session in src/runtime/platform.ts, which both sides import); the agent's
 * benchmarks write to `diskDir`; the swap lifecycle (src/node/lifecycle/)
 * stores boot parameters and reboots through it. Implementations: the
 * testnet's host supervisor client (src/testnet/host/client.ts); the Linux
 * one (kexec into a stateless image) follows the same interface.
 */
import type { BootTarget } from '../../runtime/platform.js'
import type { IoGate } from '../../runtime/sandbox/io-gate.js'
import type { Disk } from '../../swapper/disk.js'
import type { SwapProgressEvent } from '../../swapper/events.js'
import type { BootParams } from '../lifecycle/boot-params.js'

/** What the stateless side of a swap needs of its host (src/node/lifecycle/stateless-swap.ts). */
export interface StatelessPlatform {
  readonly kind: 'testnet' | 'linux'
  /** The provider's id of the location (instance id): from the machine, never from the disk. */
  readonly location: string
  /** The VM's disk (an image file or a block device) as the stateless swapper sees it. */
  readonly diskPath: string
  /**
   * A directory on the host outside the VM's disk, kept across boots: the
   * swapper's journal, manifests and staging (the swap must never overwrite them).
   */
  readonly swapStateDir: string
  /**
   * Opens the disk the swap runs on, when it is a view of the device rather
   * than `diskPath` itself (Linux: the swapped region with the true boot area
   * kept aside in the reserve). Absent: the swap opens `diskPath`.
   */
  openSwapDisk?(o: { writable: boolean }): Promise<Disk>
  /** Durable (fsynced) before it resolves. */
  storeBootParams(p: BootParams): Promise<void>
  /** The stored boot parameters, or null when none are. */
  loadBootParams(): Promise<BootParams | null>
  /** From the stateless side: boots whatever VM the disk holds. Never resolves. */
  rebootNormal(): Promise<never>
  /** The stateless swap's progress, for the host's live view; best effort, never throws. */
  reportSwapProgress?(e: SwapProgressEvent): void
}

/** What the agent hands the platform when it leaves its running system. */
export interface LeaveHooks {
  /**
   * Called once, after the platform's cheap refusals (nothing changed yet)
   * and before the heavy part of the leave (Linux: the kexec load, which
   * reads, hashes and copies the stateless image): the agent stops its
   * services so the machine's CPU and memory go to the leave. If the leave
   * then fails and the machine stays up, the platform throws and the agent
   * starts them again.
   */
  quiet?: () => Promise<void>
}

/** The agent's platform: its host, as the running VM sees it. */
export interface Platform extends BootTarget, StatelessPlatform {
  /** A directory where disk benchmarks put their scratch files: on the disk the location's VM is measured by. */
  readonly diskDir: string
  /**
   * What the disk benchmarks' I/O must wait for, when the location's disk
   * limits are held in user space rather than by the kernel (the testnet
   * without root): the same limits the VM's workloads get. Absent or
   * undefined: the benchmarks' I/O runs at once (the kernel throttles it).
   */
  ioGate?(): IoGate | undefined
  /**
   * Leaves the running system for the stateless swapper (boot parameters with
   * phase 'stateless' must be stored first). Never resolves: on the testnet the
   * host's supervisor stops the VM's processes; on Linux, kexec.
   */
  rebootStateless(hooks?: LeaveHooks): Promise<never>
}
