/** What counts as a lost connection (worth a retry over a new stream), decided on classes and codes. */
import t from 'tap'
import { StreamError, StreamErrorCode } from '../../src/protocols/stream/errors.js'
import { SwapStreamError } from '../../src/protocols/swap-stream.js'
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

t.test('the swap stream: all but a wrong peer and a garbled message', async (t) => {
  for (const code of ['SWAP_TIMEOUT', 'SWAP_STREAM', 'SWAP_CLOSE'])
    t.ok(isConnectionLoss(new SwapStreamError(code, 'x')), `${code} is a lost connection`)
  for (const code of ['SWAP_WRONG_PEER', 'SWAP_MALFORMED'])
    t.notOk(isConnectionLoss(new SwapStreamError(code, 'x')), `${code} is not`)
})

t.test(
  "the peer's conduct is never a lost connection; a stream ended early and libp2p's own errors are",
  async (t) => {
    t.ok(isConnectionLoss(new SwapProtocolError('SWAP_EOF', 'closed')))
    t.notOk(isConnectionLoss(new SwapProtocolError('SWAP_PEER_ERROR', 'refused')))
    t.notOk(isConnectionLoss(new BadPeerError(9, 8)))
    t.notOk(isConnectionLoss(new PeerNotInAgreementError('impostor')))
    t.ok(isConnectionLoss(new Error('connection reset')), "libp2p's errors are not VBoom's")
    // the decision is on the class, not on a name an object merely carries
    const lookalike = Object.assign(new PeerNotInAgreementError('x'), {
      name: 'SwapStreamError',
      code: 'SWAP_TIMEOUT',
    })
    t.notOk(isConnectionLoss(lookalike), 'a name string decides nothing')
  },
)
