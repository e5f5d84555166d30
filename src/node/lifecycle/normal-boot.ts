/**
 * Step 3 of the lifecycle: what the VM's agent does when it starts. Its
 * location comes from the platform (the machine), its last location from its
 * own disk; when they differ the VM has moved: the agent records it (with the
 * swap it had left for, when there was one), and its advert and DHT records
 * then carry the new location and addresses. Boot parameters still in phase
 * 'stateless' mean the VM had stored them and not yet left (a crash or a
 * restart of the agent before the reboot): it leaves now.
 */
import type { Logger } from '../../runtime/log.js'
import type { Platform } from '../platform/platform.js'
import { type BootParams, swapIdHex } from './boot-params.js'
import type { HistoryRecord, LifecycleStore } from './store.js'

export interface BootNotice {
  /** Where the VM runs now (the platform's location). */
  location: string
  /** Where it ran before this boot; null on its first boot under a platform. */
  previous: string | null
  moved: boolean
  /** What this boot recorded in the VM's history, if anything. */
  recorded: HistoryRecord | null
  /** Stateless boot parameters on this host: the VM must leave for that swap now. */
  leave: BootParams | null
}

export async function noticeBoot(
  platform: Platform,
  store: LifecycleStore,
  log: Logger,
  now: () => number = Date.now,
): Promise<BootNotice> {
  const location = platform.location
  const previous = await store.lastLocation()
  const params = await platform.loadBootParams()
  if (params?.phase === 'stateless') {
    // the params are the authority: stored means leaving, whatever the database says
    if ((await store.leaving()) === null)
      await store.markLeaving({
        swapId: swapIdHex(params),
        role: params.swap.role,
        from: location,
        leftAtMs: params.leftAtMs,
      })
    log.info({ swapId: swapIdHex(params) }, 'stateless boot parameters stored: leaving for the swap')
    return { location, previous, moved: false, recorded: null, leave: params }
  }
  const moved = previous !== null && previous !== location
  const leaving = await store.leaving()
  let recorded: HistoryRecord | null = null
  if (leaving !== null) {
    // a VM back from a swap runs at the partner's location iff the swap completed
    recorded = {
      kind: 'swap',
      swapId: leaving.swapId,
      role: leaving.role,
      outcome: moved ? 'completed' : 'aborted',
      from: leaving.from,
      to: location,
      leftAtMs: leaving.leftAtMs,
      atMs: now(),
    }
  } else if (moved) {
    recorded = { kind: 'moved', from: previous, to: location, atMs: now() }
  }
  if (recorded !== null) await store.settle(recorded)
  if (previous !== location) await store.setLastLocation(location)
  if (moved) log.info({ from: previous, to: location, swapId: leaving?.swapId }, 'this VM moved')
  else if (recorded !== null)
    log.info({ swapId: leaving?.swapId }, 'back from an aborted swap, same location')
  return { location, previous, moved, recorded, leave: null }
}
