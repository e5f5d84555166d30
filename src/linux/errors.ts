/**
 * The Linux platform's errors: one class per concern, one code per cause,
 * and every message says what happened and what to do. Code decides on the
 * class and the code, never on the message.
 */
import { VBoomError } from '../protocols/errors.js'

/** Why this machine cannot kexec; raised before anything on it changed. */
export const KexecUnavailableCode = {
  /** The running kernel was built without kexec (no /sys/kernel/kexec_loaded). */
  NOT_BUILT: 'KEXEC_NOT_BUILT',
  /** /proc/sys/kernel/kexec_load_disabled is 1: both kexec syscalls refuse until the next boot. */
  DISABLED: 'KEXEC_DISABLED',
  /** The kernel is in lockdown (Secure Boot) and refused to load an image it cannot verify. */
  LOCKDOWN: 'KEXEC_LOCKDOWN',
  /** Neither kexec-tools nor VBoom's kexec helper is installed. */
  TOOL_MISSING: 'KEXEC_TOOL_MISSING',
  /** The kernel refused to load the image for another reason (the message carries its errno). */
  LOAD_FAILED: 'KEXEC_LOAD_FAILED',
  /** Only root may kexec. */
  NOT_ROOT: 'KEXEC_NOT_ROOT',
} as const
export type KexecUnavailableCode = (typeof KexecUnavailableCode)[keyof typeof KexecUnavailableCode]

export class KexecUnavailableError extends VBoomError {
  declare readonly code: KexecUnavailableCode
  constructor(code: KexecUnavailableCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'KexecUnavailableError'
  }
}

/** The disk's VBoom reserve (the region the swap never touches) is missing, malformed or not as expected. */
export const ReserveCode = {
  /** No partition table, or not one this platform can redirect (GPT, for now). */
  BOOT_SCHEME_UNSUPPORTED: 'RESERVE_BOOT_SCHEME_UNSUPPORTED',
  /** The disk has no VBoom reserve at its end. */
  MISSING: 'RESERVE_MISSING',
  /** A reserve partition is not where the layout puts it. */
  LAYOUT: 'RESERVE_LAYOUT',
  /** The boot area after a swap does not describe this location's reserve: booting it would lose the reserve. */
  FOREIGN_LAYOUT: 'RESERVE_FOREIGN_LAYOUT',
  /** The saved boot area is missing or fails its hash. */
  BOOT_AREA_LOST: 'RESERVE_BOOT_AREA_LOST',
  /** The reserve's state filesystem cannot be found or mounted. */
  STATE_UNAVAILABLE: 'RESERVE_STATE_UNAVAILABLE',
  /** Not enough free space at the end of the disk to create a reserve. */
  NO_SPACE: 'RESERVE_NO_SPACE',
  /** A tool the reserve needs (mkfs.fat, syslinux, mkfs.ext4, mcopy) is missing. */
  TOOL_MISSING: 'RESERVE_TOOL_MISSING',
  /** A read or write of the disk failed. */
  IO: 'RESERVE_IO',
} as const
export type ReserveCode = (typeof ReserveCode)[keyof typeof ReserveCode]

export class ReserveError extends VBoomError {
  declare readonly code: ReserveCode
  constructor(code: ReserveCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'ReserveError'
  }
}

/** The stored boot parameters cannot be used. */
export const BootRecordCode = {
  /** The record does not parse or fails its checks. */
  CORRUPT: 'BOOT_RECORD_CORRUPT',
  /** A record from a newer VBoom than this one. */
  VERSION: 'BOOT_RECORD_VERSION',
  /** An operation that needs a record found none. */
  MISSING: 'BOOT_RECORD_MISSING',
  /** The operation does not fit the record's phase (rebootNormal while the swap is pending, say). */
  PHASE: 'BOOT_RECORD_PHASE',
} as const
export type BootRecordCode = (typeof BootRecordCode)[keyof typeof BootRecordCode]

export class BootRecordError extends VBoomError {
  declare readonly code: BootRecordCode
  constructor(code: BootRecordCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'BootRecordError'
  }
}

/** The network configuration could not be read or applied. */
export const NetworkConfigCode = {
  /** `ip -j` is missing or its output does not parse. */
  CAPTURE: 'NETWORK_CAPTURE',
  /** A stored configuration fails validation. */
  INVALID: 'NETWORK_INVALID',
  /** No interface with a recorded MAC address exists on this boot. */
  NO_INTERFACE: 'NETWORK_NO_INTERFACE',
  /** An `ip` command failed while applying it. */
  APPLY: 'NETWORK_APPLY',
} as const
export type NetworkConfigCode = (typeof NetworkConfigCode)[keyof typeof NetworkConfigCode]

export class NetworkConfigError extends VBoomError {
  declare readonly code: NetworkConfigCode
  constructor(code: NetworkConfigCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'NetworkConfigError'
  }
}

/** The machine gave no usable identity (DMI or cloud metadata). */
export class LocationUnknownError extends VBoomError {
  constructor(message: string) {
    super('LOCATION_UNKNOWN', message)
    this.name = 'LocationUnknownError'
  }
}

/** A signed boot image (the anchor's verification image) failed its checks: never booted. */
export const BootImageCode = {
  MALFORMED: 'BOOT_IMAGE_MALFORMED',
  BAD_SIGNATURE: 'BOOT_IMAGE_BAD_SIGNATURE',
  /** A file's hash differs from the signed one. */
  HASH_MISMATCH: 'BOOT_IMAGE_HASH_MISMATCH',
  EXPIRED: 'BOOT_IMAGE_EXPIRED',
  /** Signed by a key other than the anchor's. */
  WRONG_SIGNER: 'BOOT_IMAGE_WRONG_SIGNER',
} as const
export type BootImageCode = (typeof BootImageCode)[keyof typeof BootImageCode]

export class BootImageError extends VBoomError {
  declare readonly code: BootImageCode
  constructor(code: BootImageCode, message: string) {
    super(code, message)
    this.name = 'BootImageError'
  }
}

/** Building the stateless image failed. */
export const ImageBuildCode = {
  KERNEL_MISSING: 'IMAGE_KERNEL_MISSING',
  MODULES_MISSING: 'IMAGE_MODULES_MISSING',
  /** A wanted driver is neither built in nor a module of this kernel. */
  DRIVER_MISSING: 'IMAGE_DRIVER_MISSING',
  BUSYBOX_MISSING: 'IMAGE_BUSYBOX_MISSING',
  /** busybox is dynamically linked: it would not run in the initramfs without its libraries. */
  BUSYBOX_DYNAMIC: 'IMAGE_BUSYBOX_DYNAMIC',
  NODE_LIBS: 'IMAGE_NODE_LIBS',
  BUNDLER_MISSING: 'IMAGE_BUNDLER_MISSING',
  BUNDLE_FAILED: 'IMAGE_BUNDLE_FAILED',
  COMPILER_MISSING: 'IMAGE_COMPILER_MISSING',
  TOOL_FAILED: 'IMAGE_TOOL_FAILED',
} as const
export type ImageBuildCode = (typeof ImageBuildCode)[keyof typeof ImageBuildCode]

export class ImageBuildError extends VBoomError {
  declare readonly code: ImageBuildCode
  constructor(code: ImageBuildCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'ImageBuildError'
  }
}

/** The stateless side cannot go on. */
export const StatelessCode = {
  /** The image carries no swap lifecycle to run the pending swap with. */
  SWAP_RUNNER_MISSING: 'STATELESS_SWAP_RUNNER_MISSING',
  /** The kernel command line lacks what the stateless image needs. */
  CMDLINE: 'STATELESS_CMDLINE',
} as const
export type StatelessCode = (typeof StatelessCode)[keyof typeof StatelessCode]

export class StatelessError extends VBoomError {
  declare readonly code: StatelessCode
  constructor(code: StatelessCode, message: string) {
    super(code, message)
    this.name = 'StatelessError'
  }
}
