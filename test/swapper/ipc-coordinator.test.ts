/**
 * The coordinator across the IPC channel, with the channel replaced by two
 * event emitters (the agent-process tests run it over real child processes).
 */
import '../../src/polyfill.js'
import type { ChildProcess } from 'node:child_process'
import { EventEmitter, once } from 'node:events'
import { join } from 'node:path'
import t from 'tap'
import { type Coordinator, LevelCoordinator } from '../../src/swapper/coordinator/coordinator.js'
import {
  type CoordReply,
  IpcCoordinatorClient,
  serveCoordinatorIpc,
} from '../../src/swapper/coordinator/ipc-coordinator.js'
import { CoordinatorUnsupportedError } from '../../src/swapper/errors.js'
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
  await t.rejects(a.prepare('s', 'b'), { name: 'CoordinatorNotPartyError', code: 'NOT_PARTY' })
  const seen = await b.status('s')
  const woken = b.watch('s', seen, 60_000)
  await a.prepare('s', 'a')
  t.same((await woken).prepared, { a: true, b: false }, 'b learns of a vote through its watch')
  await b.prepare('s', 'b')
  t.equal((await a.commit('s')).decision, 'committed')
})

t.test('a malformed watch is refused; a coordinator without watch does not offer it', async (t) => {
  const coord = await LevelCoordinator.open(join(t.testdir(), 'coord'))
  t.teardown(() => coord.close())
  const { child, parentSide } = channel()
  serveCoordinatorIpc(parentSide, 'a', coord)
  const c = new IpcCoordinatorClient(child)
  const bad = { swapId: 's', decision: 'pending' } as unknown as Parameters<IpcCoordinatorClient['watch']>[1]
  await t.rejects(c.watch('s', bad, 10), { name: 'CoordinatorCallRejectedError', code: 'MALFORMED' })
  const malformed = await c.watch('s', await c.status('s'), Number.NaN).catch((e: unknown) => e)
  t.match(malformed, { name: 'CoordinatorCallRejectedError', code: 'MALFORMED' })
  t.notOk(malformed instanceof CoordinatorUnsupportedError, 'a malformed watch is not an unsupported one')

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
  const refused = await plain.watch('s', await plain.status('s'), 60_000).catch((e: unknown) => e)
  t.ok(refused instanceof CoordinatorUnsupportedError, 'the child learns the long poll is not offered')
  t.match(refused, { name: 'CoordinatorUnsupportedError', operation: 'watch' })
  t.equal((await plain.status('s')).decision, 'pending', 'and may poll the status instead')
})

t.test('refusals come back as their classes; garbled replies are typed, never "unsupported"', async (t) => {
  const coord = await LevelCoordinator.open(join(t.testdir(), 'coord'))
  t.teardown(() => coord.close())
  const a = client(coord, 'a').c
  await t.rejects(a.complete('s', 'a'), { name: 'SwapNotCommittedError', code: 'NOT_COMMITTED' })

  // an operation the parent does not know, sent as a newer child would
  const { child, parentSide } = channel()
  serveCoordinatorIpc(parentSide, 'a', coord)
  const replied = once(child, 'message') as Promise<[CoordReply]>
  child.send!({ t: 'coord', id: 1, op: 'rollback', swapId: 's' })
  t.match((await replied)[0], { id: 1, error: { code: 'UNSUPPORTED_OP' } }, 'an unknown op is unsupported')

  // a parent that answers with junk: the child's call fails typed, and not as "unsupported"
  const childEnd = Object.assign(new EventEmitter(), {
    connected: true,
    send: (m: { id: number }) => {
      const reply =
        m.id === 1
          ? { t: 'coord-reply', id: 1, status: { swapId: 's', decision: 'maybe' } }
          : m.id === 2
            ? { t: 'coord-reply', id: 2 }
            : { t: 'coord-reply', id: m.id, error: { code: 'MALFORMED', message: 'garbled' } }
      setImmediate(() => childEnd.emit('message', reply))
      return true
    },
  })
  const c = new IpcCoordinatorClient(childEnd as unknown as NodeJS.Process)
  for (const [i, want] of [
    [1, { name: 'CoordinatorAnswerError', code: 'COORDINATOR_BAD_ANSWER' }],
    [2, { name: 'CoordinatorAnswerError', code: 'COORDINATOR_BAD_ANSWER' }],
    [3, { name: 'CoordinatorCallRejectedError', code: 'MALFORMED' }],
  ] as const) {
    const err = await c.watch('s', await coord.status('s'), 10).catch((e: unknown) => e)
    t.match(err, want, `reply ${i}`)
    t.notOk(err instanceof CoordinatorUnsupportedError, `reply ${i} is not read as "unsupported"`)
  }
})
