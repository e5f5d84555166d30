import t from 'tap'
import { ActivityGate, gateBootTarget } from '../../../src/node/profiler/index.js'
import type { BootTarget, RemoteSession, VerificationImage } from '../../../src/runtime/platform.js'

t.test('holders exclude measurements; acquiring aborts a run and waits for it to stop', async (t) => {
  const gate = new ActivityGate()
  const slot = gate.tryMeasure()!
  t.ok(slot, 'an idle gate lets a run start')
  t.equal(gate.tryMeasure(), null, 'one run at a time')
  let acquired = false
  const pending = gate.acquire('swap').then((lease) => {
    acquired = true
    return lease
  })
  t.ok(slot.signal.aborted, 'the run is aborted at once')
  await new Promise((r) => setImmediate(r))
  t.equal(acquired, false, 'the swap waits until the run has stopped')
  slot.end()
  const swap = await pending
  t.same(gate.busy, ['swap'])
  t.equal(gate.tryMeasure(), null, 'no run while a swap holds the gate')
  const probe = await gate.acquire('probe')
  t.same(gate.busy.sort(), ['probe', 'swap'], 'holders do not exclude each other')
  swap.release()
  swap.release()
  t.same(gate.busy, ['probe'], 'a second release changes nothing')
  probe.release()
  t.ok(gate.tryMeasure(), 'free again')
})

t.test('the verification path holds the gate from boot to the session’s close', async (t) => {
  const gate = new ActivityGate()
  const seen: string[][] = []
  class Host implements BootTarget {
    readonly location = 'loc-1'
    #booted = 0
    get booted(): number {
      return this.#booted
    }
    async bootRemote(_image: VerificationImage): Promise<RemoteSession> {
      this.#booted++
      seen.push(gate.busy)
      return {
        request: async (m) => ({ echo: m }),
        close: async () => {
          seen.push(gate.busy)
        },
      }
    }
  }
  const host = gateBootTarget(new Host(), gate)
  t.equal(host.location, 'loc-1', 'other members pass through')
  const running = gate.tryMeasure()!
  const booting = host.bootRemote({ entry: 'image' })
  t.ok(running.signal.aborted, 'a profiling run in progress is aborted before the VM is frozen')
  await new Promise((r) => setImmediate(r))
  t.same(seen, [], 'and the host is not asked to boot before the run has stopped')
  running.end()
  const session = await booting
  t.same(await session.request('x'), { echo: 'x' })
  t.equal(gate.tryMeasure(), null, 'no run while the VM is verified')
  await session.close()
  t.same(seen, [['verification'], ['verification']], 'held through boot and close')
  t.same(gate.busy, [], 'released after the close')
  t.equal(host.booted, 1, 'getters with private fields still work through the wrapper')

  const failing = gateBootTarget(
    {
      bootRemote: async (_image: VerificationImage) => {
        throw new Error('host unreachable')
      },
    },
    gate,
  )
  await t.rejects(failing.bootRemote({ entry: 'image' }), /host unreachable/)
  t.same(gate.busy, [], 'a failed boot releases the gate')
})
