/**
 * The verification path takes the activity gate: from the moment the host is
 * asked to boot the anchor's image until the VM's own system runs again
 * (the session closed), no profiling run starts, and one in progress is
 * aborted first (a run spanning the freeze would time the pause, not the disk).
 */
import type { BootTarget, RemoteSession, VerificationImage } from '../../runtime/platform.js'
import type { ActivityGate } from './activity-gate.js'

/** `target` with its `bootRemote` holding `gate` for the session's life; other members pass through. */
export function gateBootTarget<T extends BootTarget>(target: T, gate: ActivityGate): T {
  const bootRemote = async (image: VerificationImage): Promise<RemoteSession> => {
    const lease = await gate.acquire('verification')
    let session: RemoteSession
    try {
      session = await target.bootRemote(image)
    } catch (err) {
      lease.release()
      throw err
    }
    return {
      request: (message, signal) => session.request(message, signal),
      close: async () => {
        try {
          await session.close()
        } finally {
          lease.release()
        }
      },
    }
  }
  return new Proxy(target, {
    get(obj, prop) {
      if (prop === 'bootRemote') return bootRemote
      // Read on the target itself, so getters and private fields see the object they belong to.
      const v = Reflect.get(obj, prop)
      return typeof v === 'function' ? v.bind(obj) : v
    },
  })
}
