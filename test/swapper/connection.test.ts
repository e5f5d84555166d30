/** What counts as a lost connection (worth a retry over a new stream), decided on classes and codes. */
import t from 'tap'
import { StreamError, StreamErrorCode } from '../../src/protocols/stream/errors.js'
import { BadPeerError, PeerNotInAgreementError, SwapProtocolError } from '../../src/swapper/errors.js'
import { isConnectionLoss } from '../../src/swapper/transfer/connection.js'

t.test('the stream layer: its code says', async (t) => {
  for (const code of [StreamErrorCode.TIMEOUT, StreamErrorCode.CLOSED, StreamErrorCode.DIAL])
    t.ok(isConnectionLoss(new StreamError(code, 'x')), `${code} is a lost connection`)
  for (const code of [
    StreamErrorCode.MALFORMED,
    StreamErrorCode.WRONG_PEER,
    StreamErrorCode.FRAME_TOO_LARGE,
    StreamErrorCode.ABORTED,
  ])
    t.notOk(isConnectionLoss(new StreamError(code, 'x')), `${code} is not`)
})

t.test(
  "the peer's conduct, and anything not from the stream layer, is never a lost connection",
  async (t) => {
    t.notOk(isConnectionLoss(new SwapProtocolError('SWAP_PEER_ERROR', 'refused')))
    t.notOk(isConnectionLoss(new BadPeerError(9, 8)))
    t.notOk(isConnectionLoss(new PeerNotInAgreementError('impostor')))
    t.notOk(isConnectionLoss(new Error('connection reset')), 'an untyped error (a bug) is not retried')
    // the decision is on the class, not on a name or code an object merely carries
    const lookalike = Object.assign(new PeerNotInAgreementError('x'), {
      name: 'StreamError',
      code: StreamErrorCode.TIMEOUT,
    })
    t.notOk(isConnectionLoss(lookalike), 'a name string decides nothing')
  },
)
