/**
 * The Linux platform's numbers and names, each with its reason.
 */

/**
 * The boot area the swap sees through the reserve's copy (reserve/boot-area.ts):
 * the first 4 KiB. On a 512-byte-sector disk only sector 0 is read by the
 * firmware; 4 KiB is also one logical block of a 4Kn disk (NVMe namespaces
 * formatted with 4 KiB LBAs), the unit such a disk writes atomically, and one
 * block of the swap at its default block size.
 */
export const BOOT_AREA_BYTES = 4096

/** FAT volume label of the reserve's boot partition (11 characters at most). */
export const RESERVE_BOOT_LABEL = 'VBOOMBOOT'
/** ext4 label of the reserve's state partition (16 characters at most). */
export const RESERVE_STATE_LABEL = 'vboom-state'
/** MBR partition types: FAT16 with LBA for the boot partition, Linux for the state partition. */
export const RESERVE_BOOT_TYPE = 0x0e
export const RESERVE_STATE_TYPE = 0x83

/**
 * Default size of the reserve's boot partition: Debian's kernel (~8 MiB)
 * and the stateless initramfs (~40-50 MiB with Node 20, zstd), with room
 * for one larger image.
 */
export const DEFAULT_RESERVE_BOOT_BYTES = 96 * 2 ** 20
/**
 * Smallest state partition: a copy of the stateless kernel and initramfs
 * (~55 MiB, what the running system kexecs), the swapper's 64 MiB kept free
 * beside staging, and some room for manifests, staging and logs. It fits a
 * test disk; real disks take `reserveStateBytesFor`.
 */
export const MIN_RESERVE_STATE_BYTES = 192 * 2 ** 20
/** What the stateless image's copy in the state partition takes at most (kernel + initramfs). */
const IMAGE_COPY_BYTES = 80 * 2 ** 20

/**
 * State partition size for a swapped region of `swapBytes` whose staging
 * takes `stagingBytes`: the swap's two manifests take 16 MiB per GiB (32-byte
 * hashes of 4 KiB blocks, ours and the peer's), the swapper keeps 64 MiB free
 * beside staging, and staging holds what the peer sends that is not already
 * on this disk (at most the peer's used bytes; 0 when staging goes to a
 * scratch disk of the location).
 */
export function reserveStateBytesFor(swapBytes: number, stagingBytes: number): number {
  const manifests = Math.ceil(swapBytes / 4096) * 32 * 2
  const bytes = IMAGE_COPY_BYTES + manifests + 64 * 2 ** 20 + stagingBytes + 16 * 2 ** 20
  return Math.max(MIN_RESERVE_STATE_BYTES, Math.ceil(bytes / 2 ** 20) * 2 ** 20)
}

/** Where the reserve's state filesystem is mounted, on the running VM and in the stateless image. */
export const STATE_MOUNT = '/run/vboom/reserve'
export const STATELESS_STATE_MOUNT = '/vboom/state'

/** Files inside the state filesystem. */
export const STATE_FILES = {
  /** The boot record: phase, the lifecycle's boot parameters, the network configuration. */
  record: 'boot/record.json',
  /** The disk's true boot area while the swap runs (reserve/boot-area.ts). */
  bootArea: 'boot/boot-area.bin',
  /** The MBR boot program written on redirect (syslinux's mbr.bin, copied here when the reserve is made). */
  mbrCode: 'boot/mbr.bin',
  /** The stateless kernel and initramfs the running system kexecs into (the same files as the boot partition's). */
  kernel: 'boot/vmlinuz',
  initramfs: 'boot/initramfs.img',
  /** Kernel arguments of the stateless image (one line). */
  cmdline: 'boot/cmdline',
  /** The swapper's state directory (journal, manifests, staging). */
  swap: 'swap',
  /** Logs of the stateless runs, readable from the running VM afterwards. */
  log: 'log',
  /** Scratch space for the anchor's verification image (disk benchmarks). */
  scratch: 'scratch',
} as const

/** Kernel command-line keys the stateless image reads. */
export const CMDLINE_KEYS = {
  /** `<start>:<sectors>` of the state partition, in 512-byte sectors. */
  state: 'vboom.state',
  /** `kexec` or `reserve`: how this boot was entered (logged). */
  via: 'vboom.via',
} as const

/** Short deadline of each cloud metadata probe: a link-local answer takes milliseconds, and a machine without one must not wait. */
export const METADATA_TIMEOUT_MS = 400
export const METADATA_ADDRESS = '169.254.169.254'

/** How often /init runs the stateless entry again after it failed before powering off. */
export const STATELESS_MAX_ATTEMPTS = 3
/** Exit code of the stateless entry that tells /init to power off at once (a failure that a retry cannot fix). */
export const STATELESS_EXIT_POWEROFF = 3
