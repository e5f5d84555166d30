/**
 * Needs: what this VM's workload values, as weights over the profile's
 * resources: from the config, learned from the Linux counters of what the
 * workload waits on (derive.ts states the model), or both.
 */
export {
  DEFAULT_NEEDS_HALF_LIFE_MS,
  DEFAULT_NEEDS_MIN_OBSERVED_MS,
  DEFAULT_NEEDS_SAMPLE_INTERVAL_MS,
} from './constants.js'
export {
  deriveNeeds,
  learnedWeights,
  NEEDS_MODES,
  type NeedEntry,
  type NeedSource,
  type NeedsMode,
  type NeedsReport,
} from './derive.js'
export { ewmaAlpha, type Smoothed, smooth } from './ewma.js'
export { NeedsLearner, type NeedsLearnerInit, type NeedsLearningOptions } from './needs-learner.js'
export { NeedsStore } from './needs-store.js'
export { type IntervalSignals, intervalSignals, type OwnCost } from './signals.js'
export { type CounterSnapshot, diskOfDir, takeSnapshot } from './snapshot.js'
