/**
 * The platform: what the machine-level operations mean where the agent runs.
 * The anchor drives verification through `bootRemote`; the agent's
 * benchmarks write to `diskDir`. Implementations: the testnet's emulated
 * hosts (src/testnet/platform.ts). A real cloud platform (reboot via the
 * provider API or kexec into a network-booted image) is not written yet.
 *
 * The anchor declares the same shapes itself (`BootTarget`, `RemoteSession`
 * in src/anchor/verifier.ts), since it never imports the agent; these types
 * match them structurally.
 */

/** The anchor's verification image: what the host boots instead of the VM's own disk. */
export interface VerificationImage {
  /** Entry point of the image's code (in the testnet: a module of the anchor's code). */
  entry: string
}

/** A host booted into the anchor's image: a channel from the anchor to its own code there. */
export interface RemoteSession {
  /** One request to the image and its answer. */
  request(message: unknown, signal?: AbortSignal): Promise<unknown>
  /** Boots the VM's own disk again; the VM's code resumes. */
  close(): Promise<void>
}

export interface Platform {
  /** 'testnet' for emulated hosts. */
  readonly kind: string
  /** The provider's id of the location (instance id). */
  readonly location: string
  /** A directory on the VM's disk, where disk benchmarks place their scratch files. */
  readonly diskDir: string
  /**
   * Reboots the VM onto the anchor's verification image. Until the session is
   * closed the VM's own code does not run and its owner cannot log in.
   */
  bootRemote(image: VerificationImage): Promise<RemoteSession>
}
