/** Options shared by several commands, with their allowed values checked by commander. */
import { Option } from 'commander'
import { LOG_LEVELS } from '../runtime/log.js'

export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'log level (logs go to stderr as JSON lines)').choices(LOG_LEVELS)
}

export function addressScopeOption(): Option {
  return new Option('--address-scope <scope>', 'lan keeps private addresses in the DHT; public drops them')
    .choices(['lan', 'public'])
    .default('lan')
}
