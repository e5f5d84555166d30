/**
 * Numbers of the testnet's workloads, each with its unit and reason.
 */

/** Throughput samples, ms: one a second, as the paper's Figure 3 plots them. */
export const SAMPLE_INTERVAL_MS = 1_000

/** MB in rates, bytes: 10^6, as the host profiles, fio and the paper count them. */
export const MB = 1e6

/**
 * Disk workload I/O size, bytes: 1 MiB, one request of the host's loop
 * device (MAX_IO_BYTES is 1.25 MiB) and HostFile's piece size, like
 * TestDFSIO's buffer-sized writes reaching the disk one after another.
 */
export const DISK_CHUNK_BYTES = 2 ** 20

/** Network workload write size, bytes: 64 KiB, a socket buffer's worth per write. */
export const NET_CHUNK_BYTES = 64 * 1024

/** CPU workload: one unit hashes this many bytes by default (SHA-256 of 1 MiB: a few ms on one core). */
export const DEFAULT_CPU_UNIT_BYTES = 2 ** 20
/** CPU workload: longest stretch of hashing before the event loop runs (samples stay on time), ms. */
export const CPU_SLICE_MS = 50
/** CPU workload: how often its running count is saved on the VM's disk, ms (a kill loses at most this much). */
export const CPU_STATE_SAVE_MS = 10_000

/**
 * DFSIO: a task attempt with no progress report for this long is taken as
 * lost and handed out again, s. Hadoop's mapreduce.task.timeout is 600 s;
 * the testnet's jobs are about 20 times smaller, and a worker reports
 * progress every second, so 30 s only fires on a worker that is gone.
 */
export const DEFAULT_TASK_TIMEOUT_S = 30
/** DFSIO: how long a worker waits before asking again when every remaining task is running elsewhere, ms. */
export const WAIT_RETRY_MS = 1_000
/** DFSIO: how long a worker waits before dialing the master again after a failed or lost connection, ms. */
export const RECONNECT_MS = 1_000
/** DFSIO: the master stays up this long after the job ends to tell late workers it is over, s. */
export const DEFAULT_LINGER_S = 30
/** DFSIO: how often the master looks for timed-out attempts, ms. */
export const LEASE_CHECK_MS = 1_000

/** Longest protocol line accepted, bytes: the largest message is ~200 bytes; more is not our peer. */
export const MAX_LINE_BYTES = 4_096
/** Protocol version a worker announces; a master refuses another. */
export const DFSIO_PROTOCOL_VERSION = 1

/** Longest status line a reader accepts, bytes: a record is ~300 bytes. */
export const MAX_STATUS_LINE_BYTES = 16_384
