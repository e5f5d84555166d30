/**
 * The coordinator wire's validator: an operation this coordinator does not
 * know is UNSUPPORTED_OP, a call that does not decode for any other reason is
 * MALFORMED; reasons are bounded in bytes; a garbled answer is rejected.
 */
import '../../src/polyfill.js'
import t from 'tap'
import { MAX_ABORT_REASON_BYTES } from '../../src/protocols/anchor-constants.js'
import {
  CoordinatorOp,
  clipUtf8,
  decodeCoordinatorResponse,
  encodeCoordinatorResponse,
  signCoordinatorCall,
  validateCoordinatorRequest,
} from '../../src/protocols/coordinator-wire.js'
import { CoordinatorCall, CoordinatorRequest } from '../../src/protocols/proto/anchor.js'
import { generateSecretKey, SignatureDomain, sign, signingKeyPairOf } from '../../src/protocols/signing.js'

const secretKey = generateSecretKey()
const key = signingKeyPairOf(secretKey)
const swapId = 'ab'.repeat(32)
const seen = {
  swapId,
  decision: 'pending' as const,
  prepared: { a: false, b: false },
  completed: { a: false, b: false },
}

/** A signed request whose call's bytes were changed by `edit` (then signed as they are). */
function edited(edit: (call: Uint8Array) => Uint8Array): Uint8Array {
  const { call } = CoordinatorRequest.decode(
    signCoordinatorCall({ op: CoordinatorOp.WATCH, swapId, seen, waitMs: 10 }, key),
  )
  const changed = new Uint8Array(edit(new Uint8Array(call)))
  return CoordinatorRequest.encode({
    call: changed,
    signature: sign(SignatureDomain.coordinator, changed, secretKey),
  })
}

/** Field 1 (op) comes first, one byte of tag and one of value: set its value to `op`. */
const withOp = (op: number) => (call: Uint8Array) => {
  if (call[0] !== 0x08) throw new Error('the encoder no longer writes the op first: rewrite this fixture')
  call[1] = op
  return call
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (err) {
    return (err as { code?: string }).code
  }
}

t.test('an operation this coordinator does not know is UNSUPPORTED_OP, not MALFORMED', async (t) => {
  const now = Date.now()
  t.equal(
    validateCoordinatorRequest(
      edited((c) => c),
      now,
    ).op,
    CoordinatorOp.WATCH,
    'unchanged: valid',
  )
  t.equal(
    codeOf(() => validateCoordinatorRequest(edited(withOp(7)), now)),
    'UNSUPPORTED_OP',
    'op 7',
  )
  t.equal(
    codeOf(() => validateCoordinatorRequest(edited(withOp(100)), now)),
    'UNSUPPORTED_OP',
    'op 100',
  )
  t.equal(
    codeOf(() => validateCoordinatorRequest(edited(withOp(0)), now)),
    'MALFORMED',
    'no op',
  )
  // an unknown op in a call also broken elsewhere (a length running past the end) is malformed
  const broken = edited((c) => new Uint8Array([...withOp(7)(c), 0x12, 0x40, 0x01]))
  t.equal(
    codeOf(() => validateCoordinatorRequest(broken, now)),
    'MALFORMED',
    'unknown op and a broken field',
  )
  t.equal(
    codeOf(() => validateCoordinatorRequest(new Uint8Array([0x0a, 0x10]), now)),
    'MALFORMED',
    'junk',
  )
  const junkCall = CoordinatorRequest.encode({
    call: new Uint8Array([0xff, 0xff]),
    signature: new Uint8Array(64),
  })
  t.equal(
    codeOf(() => validateCoordinatorRequest(junkCall, now)),
    'MALFORMED',
    'a call of junk',
  )
})

t.test('abort reasons: clipped to MAX_ABORT_REASON_BYTES when signed, refused longer', async (t) => {
  const now = Date.now()
  const long = '\u00e9'.repeat(400)
  const call = validateCoordinatorRequest(
    signCoordinatorCall({ op: CoordinatorOp.ABORT, swapId, role: 'a', reason: long }, key, now),
    now,
  )
  t.equal(Buffer.byteLength(call.reason ?? ''), MAX_ABORT_REASON_BYTES, 'two-byte characters fill it exactly')
  const over = CoordinatorCall.encode({
    op: CoordinatorOp.ABORT,
    swapId: new Uint8Array(Buffer.from(swapId, 'hex')),
    role: 'a',
    reason: 'x'.repeat(MAX_ABORT_REASON_BYTES + 1),
    issuedAtMs: BigInt(now),
    signer: key.publicKey,
    waitMs: 0,
  })
  const req = CoordinatorRequest.encode({
    call: over,
    signature: sign(SignatureDomain.coordinator, over, secretKey),
  })
  t.equal(
    codeOf(() => validateCoordinatorRequest(req, now)),
    'MALFORMED',
  )
  t.equal(clipUtf8('\u{1F600}\u{1F600}', 7), '\u{1F600}', 'never half a character')
  t.equal(clipUtf8('abc', 3), 'abc')
})

t.test('a garbled answer is rejected as MALFORMED; a refusal keeps its code', async (t) => {
  t.equal(
    codeOf(() => decodeCoordinatorResponse(new Uint8Array([0x0a, 0x10]), swapId)),
    'MALFORMED',
  )
  t.equal(
    codeOf(() => decodeCoordinatorResponse(new Uint8Array(0), swapId)),
    'MALFORMED',
    'empty',
  )
  t.same(
    decodeCoordinatorResponse(
      encodeCoordinatorResponse({ failure: { code: 'UNSUPPORTED_OP', message: 'no' } }),
      swapId,
    ),
    { failure: { code: 'UNSUPPORTED_OP', message: 'no' } },
  )
  t.equal(
    codeOf(() => decodeCoordinatorResponse(encodeCoordinatorResponse({ status: seen }), 'cd'.repeat(32))),
    'WRONG_SWAP',
  )
})
