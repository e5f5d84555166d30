/**
 * The needs learner's defaults and model constants, each with its reason.
 */

/**
 * Counters are read every minute: the files are a few hundred bytes each, so
 * this costs nothing, and the PSI totals and byte counters are cumulative, so
 * no event between two readings is lost whatever the interval.
 */
export const DEFAULT_NEEDS_SAMPLE_INTERVAL_MS = 60_000

/**
 * EWMA half-life 6 h: yesterday weighs 2^-4 = 6 % of the mix, so the needs
 * describe about the last half day (a day's busy and quiet hours both in
 * it); a workload change shows within hours, a burst of minutes hardly (a
 * 10 min burst moves a smoothed share by at most 1 - 2^(-10/360) = 1.9 % of
 * its size). Swaps are worth it over days (the utility's horizon is a week),
 * so the needs must not chase minutes.
 */
export const DEFAULT_NEEDS_HALF_LIFE_MS = 6 * 3600_000

/**
 * Learned weights are used after an hour of readings: before, the average
 * is one or two bursts (the EWMA starts at the first reading), and an advert
 * claiming needs from them would make the VM trade on noise.
 */
export const DEFAULT_NEEDS_MIN_OBSERVED_MS = 3600_000

/**
 * Fallback disk figures for splitting I/O time before the profiler measured
 * the disk: the baseline of a general-purpose cloud volume (AWS gp3: 3,000
 * IOPS and 125 MB/s; GCP pd-balanced and Azure premium SSD v2 start in the
 * same range).
 */
export const FALLBACK_DISK_BYTES_PER_S = 125e6
export const FALLBACK_DISK_IOPS = 3000

/** Fallback round trip before one is measured: two VMs of a zone are 0.1 to 1 ms apart; the middle, in µs. */
export const FALLBACK_RTT_US = 500

/** TCP payload of a full segment on a 1500-byte MTU (1500 - 40 of headers - 12 of timestamps). */
export const TCP_MSS_BYTES = 1448
/** Delayed ACKs: one acknowledgement per two full segments (RFC 5681 4.2). */
export const SEGMENTS_PER_ACK = 2

/**
 * A weight that moved this much (absolute), or changed source, is a
 * material change worth an immediate republish; a smaller drift rides on
 * the next periodic one.
 */
export const NEEDS_MATERIAL_CHANGE = 0.02

/** Weights are floored to this step, so their sum never rounds above 1 and small drifts do not show. */
export const WEIGHT_STEP = 0.001
