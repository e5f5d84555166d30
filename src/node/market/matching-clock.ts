/**
 * When the matching's sessions and rounds happen: on the wall clock, the
 * same for every agent of a class that shares the schedule (the market's
 * interval, round length and round counts), with no coordinator.
 *
 * A session lasts `rounds` rounds of `roundMs` (matching.ts sessionRounds).
 * Sessions start at multiples of the stride: the market interval rounded up
 * to a whole number of intervals that holds a session, so session k starts
 * at k x stride ms since the epoch, its round r (from 1) at
 * start + (r - 1) x roundMs, and it ends at start + rounds x roundMs. An
 * agent that starts mid-session waits for the next one.
 *
 * Clock skew: NTP keeps cloud VMs' clocks within milliseconds, far below a
 * round (500 ms and up). A skew of s ms shifts an agent's rounds by
 * s / roundMs rounds: the matching takes messages up to staleAfterRounds (3)
 * rounds old and from rounds ahead, so skews up to about three rounds cost
 * only a round's worth of speed at a session's edges; messages that cross a
 * session boundary are refused as of another session (match-wire.ts), which
 * the matching's deadlines absorb as loss.
 */

export interface MatchSchedule {
  /** The market interval, ms: sessions start at multiples of it. */
  intervalMs: number
  /** One round, ms. */
  roundMs: number
  /** Rounds in a session. */
  rounds: number
}

export interface MatchSession {
  /** Its number: k, starting at k x stride. */
  k: number
  startMs: number
  endMs: number
}

/** The time from one session's start to the next's, ms: whole intervals that hold a session. */
export function sessionStride(s: MatchSchedule): number {
  const length = s.rounds * s.roundMs
  return Math.max(1, Math.ceil(length / s.intervalMs)) * s.intervalMs
}

export function sessionNumbered(s: MatchSchedule, k: number): MatchSession {
  const startMs = k * sessionStride(s)
  return { k, startMs, endMs: startMs + s.rounds * s.roundMs }
}

/** The first session starting at or after `nowMs`. */
export function nextSession(s: MatchSchedule, nowMs: number): MatchSession {
  return sessionNumbered(s, Math.ceil(nowMs / sessionStride(s)))
}

/** The start of round `round` (from 1) of `session`, ms since the epoch. */
export function roundStartMs(s: MatchSchedule, session: MatchSession, round: number): number {
  return session.startMs + (round - 1) * s.roundMs
}
