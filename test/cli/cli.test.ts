import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { hostConfig, SMALL } from '../../src/testnet/mesh.js'
import { daemon, vboom } from './helpers.js'

const PEER = /agent (12D3\w+)/

t.test(
  'agent and anchor as processes: status, restart keeps the peer id, a second agent on the same dir is refused',
  async (t) => {
    const dir = t.testdir()
    const anchor = await daemon(
      t,
      [
        'anchor',
        '--data-dir',
        join(dir, 'anchor'),
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--log-level',
        'warn',
      ],
      /\/p2p\/\w+\n/,
    )
    const anchorAddr = anchor.output().match(/(\/ip4\/\S+)/)![1]!
    const config = join(dir, 'agent.json')
    writeFileSync(config, JSON.stringify({ ...hostConfig(0, SMALL, [anchorAddr]), logLevel: 'warn' }))
    const dataDir = join(dir, 'agent')

    const first = await daemon(t, ['agent', '--data-dir', dataDir, '--config', config], /status: /)
    const peerId = first.output().match(PEER)![1]!

    const status = await vboom(['status', '--data-dir', dataDir, '--json'])
    t.equal(status.code, 0, status.stderr)
    const s = JSON.parse(status.stdout)
    t.equal(s.peerId, peerId)
    t.equal(s.advert.location, 'host-0', 'status shows the own advert')
    t.ok(
      s.connections.some((c: { address: string }) => anchorAddr.startsWith(c.address)),
      'connected to the anchor',
    )
    t.type(s.counters.rejected, 'object', 'status shows rejection counters')
    const human = await vboom(['status', '--data-dir', dataDir])
    t.match(human.stdout, /peer id\s+12D3/)
    t.match(human.stdout, /rejected\s+none/)

    const second = await vboom(['agent', '--data-dir', dataDir, '--config', config])
    t.equal(second.code, 2, 'a second agent on the same data dir exits with a usage error')
    t.match(second.stderr, /already in use by another process/)
    t.equal(second.stderr.trim().split('\n').length, 1, 'in one line')

    t.equal(await first.stop(), 0, 'SIGTERM stops the agent cleanly')
    const again = await daemon(t, ['agent', '--data-dir', dataDir, '--config', config], /status: /)
    t.equal(again.output().match(PEER)![1], peerId, 'restart keeps the peer id')
    await again.stop()
  },
)

t.test('bad CLI input: one line, non-zero exit', async (t) => {
  const dir = t.testdir({ 'bad.json': '{"instanceClass": 3}', 'broken.json': '{ not json' })
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['testnet', '--frobnicate'], /unknown option '--frobnicate'/],
    [
      'unreadable config',
      ['agent', '--data-dir', join(dir, 'd1'), '--config', join(dir, 'nope.json')],
      /cannot read config .*ENOENT/,
    ],
    [
      'config not JSON',
      ['agent', '--data-dir', join(dir, 'd2'), '--config', join(dir, 'broken.json')],
      /not valid JSON/,
    ],
    [
      'config of the wrong shape',
      ['agent', '--data-dir', join(dir, 'd3'), '--config', join(dir, 'bad.json')],
      /instanceClass/,
    ],
    [
      'bad multiaddr',
      ['anchor', '--data-dir', join(dir, 'd4'), '--listen', '/ip4/not-an-ip/tcp/1'],
      /not a valid multiaddr/,
    ],
    ['bad log level', ['anchor', '--data-dir', join(dir, 'd5'), '--log-level', 'loud'], /log-level/],
    ['status of no agent', ['status', '--data-dir', join(dir, 'none')], /no agent is running/],
    ['unknown command', ['frobnicate'], /unknown command/],
  ]
  for (const [what, args, msg] of cases) {
    const r = await vboom(args)
    t.not(r.code, 0, `${what}: non-zero exit`)
    t.match(r.stderr, msg, `${what}: says what happened`)
    t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line (${r.stderr.trim()})`)
  }
})
