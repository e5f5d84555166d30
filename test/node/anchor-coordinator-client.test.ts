/**
 * The anchor coordinator client's control flow, against a stand-in anchor
 * that answers each call with chosen bytes: only UNSUPPORTED_OP is
 * CoordinatorUnsupportedError; a garbled answer or a MALFORMED refusal is a
 * typed error of its own; every refusal code comes back as its class. (The
 * real anchor's answers are tested in test/anchor/coordinator*.test.ts.)
 */
import '../../src/polyfill.js'
import t from 'tap'
import { AnchorCoordinatorClient } from '../../src/node/anchor-coordinator-client.js'
import { COORDINATOR_PROTOCOL, MAX_COORDINATOR_RESPONSE_BYTES } from '../../src/protocols/anchor-constants.js'
import {
  CoordinatorOp,
  encodeCoordinatorResponse,
  validateCoordinatorRequest,
} from '../../src/protocols/coordinator-wire.js'
import { handleRpc } from '../../src/protocols/rpc.js'
import { CoordinatorUnsupportedError } from '../../src/swapper/errors.js'
import { keys } from '../anchor/helpers.js'
import { clientNode } from '../anchor/net-helpers.js'

const swapId = 'ab'.repeat(32)
const status = {
  swapId,
  decision: 'pending' as const,
  prepared: { a: false, b: false },
  completed: { a: false, b: false },
}
const failure = (code: string) =>
  encodeCoordinatorResponse({ failure: { code, message: `refused: ${code}` } })

t.test('answers become typed errors; only UNSUPPORTED_OP says "not offered"', async (t) => {
  const anchor = await clientNode()
  t.teardown(() => anchor.stop())
  const node = await clientNode()
  t.teardown(() => node.stop())
  // the stand-in anchor: checks the call as the real one does, then answers with `next`
  let next: Uint8Array = new Uint8Array(0)
  const calls: CoordinatorOp[] = []
  await handleRpc(
    anchor,
    COORDINATOR_PROTOCOL,
    async (req) => {
      calls.push(validateCoordinatorRequest(req, Date.now()).op)
      return next
    },
    { maxRequestBytes: 4096, timeoutMs: 15_000 },
  )
  const client = new AnchorCoordinatorClient({ node, anchor: anchor.getMultiaddrs(), key: keys() })
  const watch = async (answer: Uint8Array): Promise<unknown> => {
    next = answer
    return client.watch(swapId, status, 10).catch((e: unknown) => e)
  }

  t.same(await watch(encodeCoordinatorResponse({ status })), status, 'a status is the answer')
  t.equal(calls.at(-1), CoordinatorOp.WATCH, 'sent as a WATCH')

  const unsupported = await watch(failure('UNSUPPORTED_OP'))
  t.ok(unsupported instanceof CoordinatorUnsupportedError, 'UNSUPPORTED_OP: the long poll is not offered')
  t.match(unsupported, {
    name: 'CoordinatorUnsupportedError',
    code: 'COORDINATOR_UNSUPPORTED',
    operation: 'watch',
  })

  const garbled: [string, Uint8Array, object][] = [
    ['bytes that do not decode', new Uint8Array([0x0a, 0x10]), { name: 'CoordinatorAnswerError' }],
    ['an empty answer', new Uint8Array(0), { name: 'CoordinatorAnswerError' }],
    [
      'a status of another swap',
      encodeCoordinatorResponse({ status: { ...status, swapId: 'cd'.repeat(32) } }),
      { name: 'CoordinatorAnswerError', code: 'COORDINATOR_BAD_ANSWER' },
    ],
    [
      'an answer larger than any status',
      new Uint8Array(MAX_COORDINATOR_RESPONSE_BYTES + 1),
      { name: 'CoordinatorAnswerError', code: 'COORDINATOR_BAD_ANSWER' },
    ],
    [
      'a MALFORMED refusal',
      failure('MALFORMED'),
      { name: 'CoordinatorCallRejectedError', code: 'MALFORMED' },
    ],
    ['a code that is not one', failure('no such code!'), { name: 'CoordinatorRemoteError', code: 'REMOTE' }],
  ]
  for (const [what, answer, want] of garbled) {
    const err = await watch(answer)
    t.match(err, want, what)
    t.notOk(err instanceof CoordinatorUnsupportedError, `${what} is not read as "unsupported"`)
  }

  const refusals: [string, string][] = [
    ['NOT_COMMITTED', 'SwapNotCommittedError'],
    ['NOT_PARTY', 'CoordinatorNotPartyError'],
    ['UNKNOWN_SWAP', 'UnknownSwapError'],
    ['TOO_MANY_WATCHERS', 'CoordinatorBusyError'],
    ['STALE_CALL', 'CoordinatorCallRejectedError'],
    ['BAD_SIGNATURE', 'CoordinatorCallRejectedError'],
    ['INTERNAL', 'CoordinatorRemoteError'],
  ]
  for (const [code, name] of refusals) t.match(await watch(failure(code)), { name, code }, code)

  // every operation reads answers alike
  next = failure('NOT_COMMITTED')
  await t.rejects(client.complete(swapId, 'a'), { name: 'SwapNotCommittedError' })
  next = failure('UNSUPPORTED_OP')
  await t.rejects(client.commit(swapId), { name: 'CoordinatorUnsupportedError', operation: 'commit' })

  // a call this side cannot sign is refused before it is sent
  const sent = calls.length
  await t.rejects(client.status('not hex'), { name: 'CoordinatorCallRejectedError', code: 'BAD_SWAP_ID' })
  t.equal(calls.length, sent, 'nothing sent')

  await anchor.stop()
  await t.rejects(client.status(swapId), {
    name: 'CoordinatorUnreachableError',
    code: 'COORDINATOR_UNREACHABLE',
  })
})
