/**
 * The profiler's defaults, each with its reason. The config (src/node/config.ts)
 * takes these as its defaults; the units are in the names.
 */

/**
 * One run of the suite every 10 min: profile-stats.ts states its detection
 * delays at this rate (a large lasting shift within the hour, a one-spread
 * shift in about four hours), and a day's window holds 144 samples.
 */
export const DEFAULT_PROFILE_INTERVAL_MS = 600_000

/**
 * Each gap is the interval times a uniform factor in [1 - j, 1 + j]: with
 * j = 0.2 runs land anywhere in an 8 to 12 min gap, so they do not lock onto
 * a neighbour's periodic job (cron at :00, a backup every 10 min) and agents
 * sharing a host drift apart instead of measuring each other.
 */
export const DEFAULT_PROFILE_JITTER = 0.2

/**
 * The first run waits 2 min after start (plus the jitter): the agent joins the
 * mesh and fetches the signed suite meanwhile, and a VM's boot-time I/O and
 * page-cache warm-up, which would skew a first sample, are over.
 */
export const DEFAULT_PROFILE_START_DELAY_MS = 120_000

/**
 * While a swap, a verification or a probe holds the activity gate, a due run
 * is tried again after 1 min (plus the jitter): these last minutes, and a
 * profile is a day's statistic, so a run a few minutes late costs nothing.
 */
export const DEFAULT_PROFILE_BUSY_RETRY_MS = 60_000

/**
 * Budget: the profiler's long-run CPU time stays under 2 % of the VM's CPU
 * capacity (cores x wall time). The standard suite takes about 1-2 s of CPU
 * (CPU and memory benchmarks, worker start-up, module compilation): on a
 * 2-core VM that alone asks for gaps of at least 25-50 s, far under the
 * 10 min interval; a slow or contended CPU stretches the gap instead of
 * taking more.
 */
export const DEFAULT_PROFILE_CPU_SHARE = 0.02

/**
 * Budget: the disk benchmarks' wall time stays under 1 % of wall time (while
 * they run they keep the device busy, so their wall time is the disk time
 * they take from the workload). The standard suite moves about 0.5 GB (128 MiB
 * written timed, 128 MiB written then read, 64 MiB written then 5,000 random
 * reads): about 4 s at 125 MB/s, hence gaps of at least 400 s; on a 30 MB/s
 * disk about 17 s, hence 28 min between runs instead of 10.
 */
export const DEFAULT_PROFILE_DISK_SHARE = 0.01

/** Samples are kept a week: seven daily windows, enough to show what a change replaced. */
export const DEFAULT_PROFILE_RETENTION_MS = 7 * 24 * 3600_000

/** And at most a week's worth per resource at the default interval (7 x 144), whatever the interval. */
export const DEFAULT_PROFILE_RETENTION_SAMPLES = 1008

/**
 * Material change, for an immediate republish: a median moved by more than
 * this fraction since the last advert, or by more than half a spread (the
 * CUSUM's allowance K: smaller moves are what the utility's lower confidence
 * bound discounts anyway). Smaller moves ride on the next periodic republish
 * (at most 30 s later, advert-publisher.ts).
 */
export const MATERIAL_RELATIVE_CHANGE = 0.02
export const MATERIAL_SPREAD_FRACTION = 0.5

/**
 * A resource becomes tradable once its series holds this many samples (the
 * utility model's minSamples); reaching it is a material change.
 */
export const MATERIAL_MIN_SAMPLES = 5
