/**
 * The platform: what the machine-level operations mean where the agent runs.
 * The anchor drives verification through `bootRemote` (declared with its
 * session in src/runtime/platform.ts, which both sides import); the agent's
 * benchmarks write to `diskDir`. Implementations: the testnet's emulated
 * hosts (src/testnet/platform.ts). A real cloud platform (reboot via the
 * provider API or kexec into a network-booted image) is not written yet.
 */
import type { BootTarget } from '../../runtime/platform.js'

export interface Platform extends BootTarget {
  /** 'testnet' for emulated hosts. */
  readonly kind: string
  /** The provider's id of the location (instance id). */
  readonly location: string
  /** A directory on the VM's disk, where disk benchmarks place their scratch files. */
  readonly diskDir: string
}
