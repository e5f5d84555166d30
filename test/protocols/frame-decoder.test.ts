import t from 'tap'
import { Uint8ArrayList } from 'uint8arraylist'
import { encodePrefix, FrameDecoder } from '../../src/protocols/stream/frame-decoder.js'

const frame = (body: Uint8Array): Uint8Array => {
  const p = encodePrefix(body.byteLength)
  const out = new Uint8Array(p.byteLength + body.byteLength)
  out.set(p)
  out.set(body, p.byteLength)
  return out
}

t.test('prefixes are unsigned varints', async (t) => {
  t.same([...encodePrefix(0)], [0])
  t.same([...encodePrefix(127)], [127])
  t.same([...encodePrefix(128)], [0x80, 1])
  t.same([...encodePrefix(300)], [0xac, 0x02])
  t.equal(encodePrefix(2 ** 30).byteLength, 5)
})

t.test('frames are cut wherever the chunks split them, without copies', async (t) => {
  const bodies = [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(300).fill(9)]
  const wire = new Uint8ArrayList(...bodies.map(frame))
  const bytes = wire.subarray()
  for (const step of [1, 2, 7, bytes.byteLength]) {
    const d = new FrameDecoder(1024, 'test')
    const out: Uint8ArrayList[] = []
    let total = 0
    for (let i = 0; i < bytes.byteLength; i += step) total += d.push(bytes.subarray(i, i + step), out)
    t.equal(out.length, 3, `step ${step}: three frames`)
    t.same(
      out.map((f) => [...f.subarray()]),
      bodies.map((b) => [...b]),
      `step ${step}: bodies intact`,
    )
    t.equal(total, 303)
    t.notOk(d.midFrame, 'nothing left over')
  }
  // One chunk: the frame is a view of it.
  const chunk = frame(new Uint8Array(16).fill(5))
  const d = new FrameDecoder(1024, 'test')
  const out: Uint8ArrayList[] = []
  d.push(chunk, out)
  t.equal(out[0]!.subarray().buffer, chunk.buffer, 'same memory as the received chunk')
})

t.test('a prefix over the limit fails before its body is kept', async (t) => {
  const d = new FrameDecoder(1000, 'test')
  const out: Uint8ArrayList[] = []
  // 1001 announced, body follows in the same chunk
  const chunk = new Uint8Array(2 + 500)
  chunk.set(encodePrefix(1001))
  t.throws(() => d.push(chunk, out), { name: 'StreamError', code: 'STREAM_FRAME_TOO_LARGE' })
  t.equal(d.partialBytes, 0, 'nothing held')
  t.equal(out.length, 0)
  // A prefix still incomplete but already past the limit: refused on its first byte.
  const d2 = new FrameDecoder(100, 'test')
  t.throws(() => d2.push(Uint8Array.of(0xff), out), { code: 'STREAM_FRAME_TOO_LARGE' })
  // Five continuation bytes: longer than any prefix.
  const d3 = new FrameDecoder(2 ** 30, 'test')
  t.throws(() => d3.push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80), out), {
    code: 'STREAM_FRAME_TOO_LARGE',
  })
})

t.test('an incomplete frame is reported as such', async (t) => {
  const d = new FrameDecoder(1000, 'test')
  const out: Uint8ArrayList[] = []
  d.push(frame(new Uint8Array(10)).subarray(0, 5), out)
  t.equal(out.length, 0)
  t.ok(d.midFrame)
  t.equal(d.partialBytes, 4, 'the body bytes so far (the prefix is consumed)')
})
