/**
 * Numbers of the live view, each with its reason.
 */

/** Redraw interval on a terminal, ms: 2 Hz, smooth enough for 1 s samples without flicker. */
export const TTY_INTERVAL_MS = 500
/** Interval of the plain lines when stdout is not a terminal, ms: a log, not an animation. */
export const PLAIN_INTERVAL_MS = 5_000
/** Interval of `--json` snapshots, ms: one per workload sample. */
export const JSON_INTERVAL_MS = 1_000
/** Width when the terminal does not say, columns. */
export const DEFAULT_COLUMNS = 100
/** Narrowest layout, columns: below it lines are cut. */
export const MIN_COLUMNS = 60
/** Ledger entries shown. */
export const LEDGER_LINES = 5
/** Finished swaps still shown, besides those in progress. */
export const FINISHED_SWAPS_SHOWN = 3
/** A VM sample older than this is shown as stale, ms (three missed samples). */
export const STALE_SAMPLE_MS = 3_000
