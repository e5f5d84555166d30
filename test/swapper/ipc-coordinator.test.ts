/**
 * The coordinator across the IPC channel, with the channel replaced by two
 * event emitters (the agent-process tests run it over real child processes).
 */
import '../../src/polyfill.js'
import type { ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import t from 'tap'
import { type Coordinator, LevelCoordinator } from '../../src/swapper/coordinator/coordinator.js'
import { IpcCoordinatorClient, serveCoordinatorIpc } from '../../src/swapper/coordinator/ipc-coordinator.js'
import type { Role } from '../../src/swapper/index/manifest.js'

/** A child's end and the parent's end of one IPC channel. */
function channel(): { child: NodeJS.Process; parentSide: ChildProcess } {
  // each end delivers what it sends to the other end's 'message' listeners, a turn later
  const childEnd = new EventEmitter()
  const parentEnd = new EventEmitter()
  const sender = (to: EventEmitter) => (m: unknown) => {
    setImmediate(() => to.emit('message', structuredClone(m)))
    return true
  }
  Object.assign(childEnd, { connected: true, send: sender(parentEnd) })
  Object.assign(parentEnd, { connected: true, send: sender(childEnd) })
  return { child: childEnd as unknown as NodeJS.Process, parentSide: parentEnd as unknown as ChildProcess }
}

function client(coordinator: Coordinator, role: Role): { c: IpcCoordinatorClient } {
  const { child, parentSide } = channel()
  serveCoordinatorIpc(parentSide, role, coordinator)
  return { c: new IpcCoordinatorClient(child) }
}

t.test('calls cross the channel; a child acts only for its own role; watch wakes across it', async (t) => {
  const coord = await LevelCoordinator.open(join(t.testdir(), 'coord'))
  t.teardown(() => coord.close())
  const a = client(coord, 'a').c
  const b = client(coord, 'b').c
  await t.rejects(a.prepare('s', 'b'), { name: 'CoordinatorError', code: 'WRONG_ROLE' })
  const seen = await b.status('s')
  const woken = b.watch('s', seen, 60_000)
  await a.prepare('s', 'a')
  t.same((await woken).prepared, { a: true, b: false }, 'b learns of a vote through its watch')
  await b.prepare('s', 'b')
  t.equal((await a.commit('s')).decision, 'committed')
})

t.test('a malformed watch is refused; a coordinator without watch answers with the status', async (t) => {
  const coord = await LevelCoordinator.open(join(t.testdir(), 'coord'))
  t.teardown(() => coord.close())
  const { child, parentSide } = channel()
  serveCoordinatorIpc(parentSide, 'a', coord)
  const c = new IpcCoordinatorClient(child)
  const bad = { swapId: 's', decision: 'pending' } as unknown as Parameters<IpcCoordinatorClient['watch']>[1]
  await t.rejects(c.watch('s', bad, 10), { name: 'CoordinatorError', code: 'BAD_CALL' })
  await t.rejects(c.watch('s', await c.status('s'), Number.NaN), { code: 'BAD_CALL' })

  // the same coordinator seen through an interface without the optional long poll
  const noWatch: Coordinator = {
    status: (id) => coord.status(id),
    prepare: (id, r) => coord.prepare(id, r),
    commit: (id) => coord.commit(id),
    abort: (id, r, why) => coord.abort(id, r, why),
    complete: (id, r) => coord.complete(id, r),
    close: async () => {},
  }
  const plain = client(noWatch, 'a').c
  // answered at once (a wait for a change it cannot see would time the test out)
  t.equal((await plain.watch('s', await plain.status('s'), 60_000)).decision, 'pending')
})
