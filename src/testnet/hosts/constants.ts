/**
 * Numbers of the host emulation layer, each with its unit and reason.
 */

/** Prefix of every name a run gives to system objects (cgroups, namespaces, run dirs, state files). */
export const NAME_PREFIX = 'vboomtn'

/** Hex digits of a run id: 6 give 16 M ids, and keep names short. */
export const RUN_ID_HEX = 6

/** Where root runs record what they created (tmpfs: gone after a reboot, like everything recorded). */
export const ROOT_STATE_DIR = '/run/vboom-testnet'

/** cgroup v1 hierarchies used in root mode. */
export const CGROUP_CPU = '/sys/fs/cgroup/cpu'
export const CGROUP_BLKIO = '/sys/fs/cgroup/blkio'

/** CFS period, µs: the kernel's default (100 ms). A quota is `cores` periods' worth of CPU per period. */
export const CFS_PERIOD_US = 100_000
/** Smallest CFS quota the kernel accepts, µs. */
export const CFS_MIN_QUOTA_US = 1_000

/**
 * Addressing inside the run's own namespaces (never in the root namespace).
 * One /16: the hub (bridge, anchor, relay) is .0.1, host i's real address is
 * .1.(i+1), the address peers dial for host i (its delay relay) is .2.(i+1).
 */
export const SUBNET_PREFIX = '10.77'
export const SUBNET_BITS = 16
export const HUB_ADDRESS = `${SUBNET_PREFIX}.0.1`
/** Hosts per run: the last octet of .1.x and .2.x (1..250). */
export const MAX_HOSTS = 250

/** First port of a host's VM services; each host has its own namespace, so all hosts use the same ports in root mode. */
export const SERVICE_BASE_PORT = 4001
/** Service ports per host by default: the agent's libp2p and one for a workload. */
export const DEFAULT_SERVICE_PORTS = 2

/** Interface names inside the run's namespaces (they vanish with them). */
export const HUB_BRIDGE = 'br0'
export const HOST_IFACE = 'eth0'

/**
 * tbf burst, bytes: at least one MTU (or tbf drops every packet), and 10 ms
 * of the rate so short bursts of a fast link are not clipped below the rate
 * (the kernel timer granularity; 1 ms at HZ=1000).
 */
export const TBF_MIN_BURST_BYTES = 32 * 1024
export const TBF_BURST_SECONDS = 0.01
/** tbf queue, ms of the rate: packets beyond it are dropped, as on a real link queue. */
export const TBF_LATENCY_MS = 50

/** Default VM disk image, bytes: small, the machine is shared (a realistic VM image is built by the scenario). */
export const DEFAULT_VM_DISK_BYTES = 64 * 2 ** 20
/** Default scratch space beside the VM image on the host's filesystem (benchmarks, fio), bytes. */
export const DEFAULT_SCRATCH_BYTES = 64 * 2 ** 20
/** ext4 metadata and journal on a small filesystem: 16 MiB plus 6 % of the data (measured mkfs.ext4 on 64-512 MiB). */
export const FS_OVERHEAD_BYTES = 16 * 2 ** 20
export const FS_OVERHEAD_FRACTION = 0.06

/** Alignment of HostFile offsets and lengths: a disk sector as direct I/O sees it (covers 512 B and 4 KiB). */
export const IO_ALIGN = 4096
/**
 * Largest request counted as one I/O for IOPS limits, bytes: the loop
 * device's max_sectors_kb here (1280 KiB); the kernel splits larger requests
 * and blkio counts each part.
 */
export const MAX_IO_BYTES = 1280 * 1024

/** Emulated CPU: how often a host's CPU use is read, ms (one clock tick of /proc's CPU times). */
export const CPU_POLL_MS = 10
/** Emulated CPU: how often a host's processes are listed again (new children), ms. */
export const CPU_RESCAN_MS = 200
/**
 * Emulated CPU: a host's process is CPU-bound (stopped while the host is in
 * debt) when its recent use is at least this fraction of its busiest
 * process's: a busy loop and a benchmark's compute loop are within 2x of each
 * other, an agent waiting on its disk or its peers uses a small fraction.
 */
export const CPU_HEAVY_RELATIVE = 0.5
/**
 * Emulated CPU: the time constant of each process's smoothed CPU use, s. A
 * second follows a process turning busy (a benchmark starting) within about
 * as long, while one 10 ms clock tick moves it by 1 % only.
 */
export const CPU_RATE_TAU_S = 1
/**
 * Emulated CPU: debt the light (waiting) processes may run up while the busy
 * ones are stopped, in seconds of the host's share; beyond it the whole host
 * stops until it is even, so the long-run share stays exact.
 */
export const CPU_LIGHT_DEBT_S = 1

/** Relay: largest piece shaped at once, bytes (64 KiB socket chunks would make 1 Mbit/s bursty). */
export const RELAY_PIECE_BYTES = 16 * 1024
/**
 * Relay: pieces leave up to this early, ms. Node timers fire on whole
 * milliseconds of a loop clock read before the callbacks run, so they are
 * late by about that much; leaving early by as much centres the delay.
 */
export const RELAY_TIMER_LEAD_MS = 1
/** Relay: bytes held per direction before the source is paused (bounds memory; TCP then pushes back). */
export const RELAY_HIGH_WATER_BYTES = 1024 * 1024

/** Waits for processes to die after SIGKILL before giving up on a removal, ms. */
export const KILL_WAIT_MS = 3_000
/** rmdir of a cgroup can lag the death of its last task by a moment; retries this long, ms. */
export const CGROUP_RMDIR_WAIT_MS = 2_000
