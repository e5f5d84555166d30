/**
 * One side's tuning: the defaults of the swap's knobs (SwapTuning in
 * agent-options.ts) and the pacing and pipeline depths of the agent, each
 * declared once with the reason for its value. These shape how one side
 * works; the two sides may differ. Limits both sides must agree on (message
 * sizes, protocol id) are in src/protocols/swap-constants.ts.
 */

// --- defaults of the knobs

/**
 * Parallel streams. One: measured with bench:swap's random 512 MiB pair (both directions at once,
 * window 4), 1 stream moved 239-250 MiB/s, 2 streams 183-201, 4 streams 174 (yamux and noise
 * work per stream, no spare core). More pay only where one stream is the bottleneck (long RTT).
 */
export const DEFAULT_STREAMS = 1
/** Requests in flight per stream: with 1 MiB batches, 4 x 1 MiB per stream bounds receive memory. */
export const DEFAULT_WINDOW = 4
/** Bad blocks (hash mismatch, malformed batch) tolerated from a peer before it is dropped and the swap aborts. */
export const DEFAULT_MAX_BAD_BLOCKS = 8
/** Bytes left free beside staging: the filesystem holding it must stay usable for everything else. */
export const DEFAULT_STAGING_RESERVE_BYTES = 64 * 1024 * 1024
/**
 * How long a side waits for its peer to stage (before the commit point) or
 * to complete (after it), and retries a peer or coordinator it cannot reach:
 * a peer indexing and staging a large disk over a slow link takes minutes;
 * past this the side aborts (before commit) or stops waiting and keeps its
 * state for a rerun (after).
 */
export const DEFAULT_DECISION_TIMEOUT_MS = 10 * 60 * 1000

// --- the coordinator

/**
 * Pauses between polls of the coordinator grow from POLL_FIRST_MS to
 * POLL_MAX_MS, doubling: the peer is usually a few tens of ms behind (a fixed
 * 50 ms poll cost ~25 ms per wait on average), and a long wait does not load
 * a remote coordinator.
 */
export const POLL_FIRST_MS = 5
export const POLL_MAX_MS = 250
/** Longest single long poll of the coordinator: a lost answer costs at most this. */
export const WATCH_SLICE_MS = 5_000
/** Pause between retries of a coordinator call lost in transit: an anchor restarting takes seconds, not ms. */
export const COORDINATOR_RETRY_MS = 500

// --- the peer

/**
 * Pause between dials of a peer that may be restarting: a refused dial fails
 * at once, so a short pause finds the peer soon after it listens again; the
 * retries are bounded by the request timeout.
 */
export const DIAL_RETRY_MS = 100
/** Longest wait for our manifest to reach the peer before planning (a send takes ~50-100 ms per GiB of disk here). */
export const MANIFEST_SEND_WAIT_MS = 500

// --- staging and apply pipelines

/** Staging I/O in runs of up to 1 MiB: large enough for sequential throughput, bounded memory. */
export const STAGING_RUN_BYTES = 1024 * 1024
/** Staging writes of local copies in flight (1 MiB each) while the next group is read and hashed. */
export const STAGE_WRITES_AHEAD = 2
/** Verified batches whose staging write may still be running while the next one is received. */
export const SINK_AHEAD = 2
/**
 * Staging reads in flight while apply writes (1 MiB each). Direct reads come
 * from the device, which serves several at once faster than one at a time.
 */
export const APPLY_READ_AHEAD = 8

// --- reporting

/**
 * Progress events per phase: a bar needs no finer steps (1 %), and an agent
 * process sends each over IPC as JSON, measured at ~0.7 ms apiece under load
 * (~0.45 s of CPU per 256 MiB at one event per MiB).
 */
export const PROGRESS_STEPS = 100
