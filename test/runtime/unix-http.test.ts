/**
 * The local control socket layer both the anchor and the agent stand on:
 * routes, the two refusal styles end to end, body limits, the socket's mode,
 * a stale socket file, and each client failure as the peer's own error.
 */

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { UsageError, VBoomError } from '../../src/protocols/errors.js'
import { createLogger } from '../../src/runtime/log.js'
import { type ControlPeer, controlRequest, exchange } from '../../src/runtime/unix-http/client.js'
import type { RefusalStyle } from '../../src/runtime/unix-http/refusal.js'
import { type ControlRoutes, UnixControlServer } from '../../src/runtime/unix-http/server.js'
import { dataDirSocketPath } from '../../src/runtime/unix-http/socket-path.js'

class PeerNotRunning extends UsageError {
  constructor() {
    super('PEER_NOT_RUNNING', 'no peer is running; start one')
    this.name = 'PeerNotRunning'
  }
}

function peer(socketPath: string, refusals: RefusalStyle, timeoutMs = 5_000): ControlPeer {
  return {
    socketPath,
    name: 'peer',
    timeoutMs,
    timeoutAdvice: 'restart it',
    codes: { timeout: 'PEER_TIMEOUT', unreachable: 'PEER_UNREACHABLE' },
    notRunning: () => new PeerNotRunning(),
    refusals,
    refusal: (message, code) => new UsageError(code ?? 'CONTROL_FAILED', message),
  }
}

async function refusalOf(p: Promise<unknown>): Promise<VBoomError> {
  try {
    await p
  } catch (err) {
    if (err instanceof VBoomError) return err
    throw err
  }
  throw new Error('expected a refusal')
}

/** tap's test dirs are too deep for a unix socket's path; a short one of our own. */
async function shortDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-uh-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const routes = (afterRan: () => void): ControlRoutes => ({
  'GET /hello': async (r) => ({ json: { hello: r.required('name') } }),
  'GET /text': async () => ({ text: 'plain 1\n', contentType: 'text/plain; version=0.0.4' }),
  'GET /unknown-thing': async () => {
    throw new UsageError('UNKNOWN_THING', 'no such thing; list them first')
  },
  'GET /crash': async () => {
    throw new Error('a bug')
  },
  'POST /echo': async (r) => ({
    json: { got: new TextDecoder().decode(await r.body(16, 'one short word')) },
    after: afterRan,
  }),
})

for (const style of ['json', 'text'] as const) {
  t.test(`a control server and its client, ${style} refusals`, async (t) => {
    const dir = await shortDir(t)
    const socketPath = dataDirSocketPath(dir, 'vboom-test-')
    t.equal(socketPath, join(dir, 'control.sock'), 'a short data dir holds its own socket')
    // A socket file left by a dead process is replaced.
    await writeFile(socketPath, 'stale')
    let afterRuns = 0
    const server = new UnixControlServer({
      socketPath,
      name: 'peer',
      routes: routes(() => afterRuns++),
      refusals: style,
      notFoundCodes: ['UNKNOWN_THING'],
      log: createLogger('silent'),
    })
    await server.start()
    t.teardown(() => server.stop())
    t.equal((await stat(socketPath)).mode & 0o777, 0o600, 'only the owning user reaches the socket')
    const p = peer(socketPath, style)

    t.same(JSON.parse(await controlRequest(p, 'GET', '/hello?name=ada')), { hello: 'ada' })
    t.equal(await controlRequest(p, 'GET', '/text'), 'plain 1\n')
    t.same(JSON.parse(await controlRequest(p, 'POST', '/echo', new TextEncoder().encode('hi'))), {
      got: 'hi',
    })
    t.equal(afterRuns, 1, 'the hook after the answer ran')

    const code = (c: string) => (style === 'json' ? c : 'CONTROL_FAILED')
    const missing = await refusalOf(controlRequest(p, 'GET', '/hello'))
    t.equal(missing.code, code('MISSING_PARAMETER'))
    t.equal(missing.message, '/hello needs ?name=')
    const unknown = await refusalOf(controlRequest(p, 'GET', '/nope'))
    t.equal(unknown.code, code('UNKNOWN_ROUTE'))
    t.equal(
      unknown.message,
      'unknown control request GET /nope; try GET /hello, GET /text, GET /unknown-thing, GET /crash or POST /echo',
      'the hint lists every route',
    )
    const thing = await refusalOf(controlRequest(p, 'GET', '/unknown-thing'))
    t.equal(thing.code, code('UNKNOWN_THING'))
    t.equal(thing.message, 'no such thing; list them first')
    const big = await refusalOf(controlRequest(p, 'POST', '/echo', new Uint8Array(17)))
    t.equal(big.code, code('BODY_TOO_LARGE'))
    t.equal(big.message, 'request body over 16 bytes; send one short word per request')
    t.equal(afterRuns, 1, 'a refused request runs no hook')
    const crash = await refusalOf(controlRequest(p, 'GET', '/crash'))
    if (style === 'json') {
      t.equal(crash.code, 'INTERNAL')
      t.equal(crash.message, 'the peer failed to answer; see its log')
    } else {
      t.equal(crash.code, 'CONTROL_FAILED')
      t.equal(crash.message, 'peer answered 500 to GET /crash: the peer failed to answer; see its log')
    }
  })
}

t.test('statuses on the wire: 404 for an unknown route and the named codes, 400 otherwise', async (t) => {
  const socketPath = join(await shortDir(t), 'control.sock')
  const server = new UnixControlServer({
    socketPath,
    name: 'peer',
    routes: routes(() => {}),
    refusals: 'text',
    notFoundCodes: ['UNKNOWN_THING'],
    log: createLogger('silent'),
  })
  await server.start()
  t.teardown(() => server.stop())
  t.same(await exchange(socketPath, 'GET', '/unknown-thing', 5_000), {
    status: 404,
    text: 'no such thing; list them first\n',
  })
  // The JSON decoder on a text server: no refusal decodes, so the status shows.
  const p = peer(socketPath, 'json')
  t.match((await refusalOf(controlRequest(p, 'GET', '/nope'))).message, /^peer answered 404 to GET \/nope/)
  t.match((await refusalOf(controlRequest(p, 'GET', '/unknown-thing'))).message, /^peer answered 404 /)
  t.match((await refusalOf(controlRequest(p, 'GET', '/hello'))).message, /^peer answered 400 /)
})

t.test('client failures are the peer’s own errors', async (t) => {
  const dir = await shortDir(t)
  const absent = join(dir, 'absent.sock')
  const notRunning = await refusalOf(controlRequest(peer(absent, 'json'), 'GET', '/x'))
  t.type(notRunning, PeerNotRunning, 'no socket: the peer is not running')

  // A socket that accepts and never answers.
  const silentPath = join(dir, 'silent.sock')
  const held: Socket[] = []
  const silent = createServer((s) => held.push(s))
  await new Promise<void>((r) => silent.listen(silentPath, r))
  t.teardown(async () => {
    for (const s of held) s.destroy()
    await new Promise<void>((r) => silent.close(() => r()))
  })
  const timeout = await refusalOf(controlRequest(peer(silentPath, 'json', 200), 'GET', '/x'))
  t.equal(timeout.code, 'PEER_TIMEOUT')
  t.equal(timeout.message, `the peer at ${silentPath} did not answer within 0.2 s; restart it`)
})

t.test('a data dir too long for a unix socket puts its socket in the temp dir', async (t) => {
  const long = join(t.testdir(), 'd'.repeat(120))
  const a = dataDirSocketPath(long, 'vboom-test-')
  t.match(a, /vboom-test-[0-9a-f]{20}\.sock$/)
  t.ok(a.length <= 100)
  t.equal(dataDirSocketPath(`${long}/`, 'vboom-test-'), a, 'the same data dir, the same socket')
  t.not(dataDirSocketPath(`${long}x`, 'vboom-test-'), a, 'another data dir, another socket')
})
