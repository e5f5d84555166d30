/**
 * The part of a platform both the anchor and the agent speak of: how a host
 * boots the anchor's verification image. The agent's full platform
 * (src/node/platform/platform.ts) extends `BootTarget`; the anchor drives
 * verification through it (src/anchor/verifier.ts) without importing the agent.
 */

/** The anchor's verification image: what the host boots instead of the VM's own disk. */
export interface VerificationImage {
  /** Entry point of the image's code (in the testnet: a module of the anchor's code). */
  entry: string
}

/** A host booted into the anchor's image: a channel from the anchor to its own code there. */
export interface RemoteSession {
  /** One request to the image and its answer, which crossed a boundary: the caller checks it. */
  request(message: unknown, signal?: AbortSignal): Promise<unknown>
  /** Boots the VM's own disk again; the VM's code resumes. */
  close(): Promise<void>
}

/** A host the anchor can boot into its verification image. */
export interface BootTarget {
  /**
   * Reboots the VM onto the anchor's verification image. Until the session is
   * closed the VM's own code does not run and its owner cannot log in.
   */
  bootRemote(image: VerificationImage): Promise<RemoteSession>
}
