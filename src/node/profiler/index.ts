/**
 * The profiler: measures this VM's location with the anchor-signed suite on a
 * jittered schedule within a CPU and disk budget, keeps the samples, and
 * derives the advertised profile with the market's robust statistics
 * (src/node/market/profile-stats.ts). The activity gate keeps it out of the
 * way of swaps, verifications and probes.
 */
export { ActivityGate, type ActivityKind, type ActivityLease, type MeasurementSlot } from './activity-gate.js'
export { type Clock, systemClock } from './clock.js'
export * from './constants.js'
export { ProfilerError } from './errors.js'
export { gateBootTarget } from './gated-boot-target.js'
export { advertisedProfile, materialChange, ProfileTracker } from './profile-tracker.js'
export {
  type BenchmarkRunner,
  Profiler,
  type ProfilerInit,
  type ProfilerOptions,
  type ProfilerStatus,
} from './profiler.js'
export { parseProcIo, type RunMeter, startRunMeter } from './run-meter.js'
export { type RunRecord, SampleStore, type StoredSample } from './sample-store.js'
export {
  budgetFloorMs,
  firstRun,
  jittered,
  type NextRun,
  nextRunAfter,
  type RunCost,
  retryRun,
  type ScheduleOptions,
} from './schedule.js'
export { benchmarkId, chooseSuite, STANDARD_SUITE_PREFIX } from './suite.js'
