import t from 'tap'
import { planNetwork } from '../../src/linux/net/apply.js'
import {
  dnsFromResolvConf,
  interfacesFromIpJson,
  interfacesFromIpText,
  routesFromIpJson,
  routesFromProc,
} from '../../src/linux/net/capture.js'
import { validateNetworkConfig } from '../../src/linux/net/config.js'

// `ip -j addr` of a GCP-like VM: a /32 address with an onlink gateway, a docker bridge, loopback
const ipAddr = [
  {
    ifname: 'lo',
    link_type: 'loopback',
    address: '00:00:00:00:00:00',
    addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }],
  },
  {
    ifname: 'ens4',
    link_type: 'ether',
    address: '42:01:0A:80:00:05',
    mtu: 1460,
    addr_info: [
      { family: 'inet', local: '10.128.0.5', prefixlen: 32, scope: 'global', dynamic: true },
      { family: 'inet6', local: '2600:1900::5', prefixlen: 128, scope: 'global' },
      { family: 'inet6', local: 'fe80::4001:aff:fe80:5', prefixlen: 64, scope: 'link' },
    ],
  },
  {
    ifname: 'docker0',
    link_type: 'ether',
    address: '02:42:ac:11:00:01',
    addr_info: [{ family: 'inet', local: '172.17.0.1', prefixlen: 16, scope: 'global' }],
  },
]
const routes4 = [
  { dst: 'default', gateway: '10.128.0.1', dev: 'ens4', protocol: 'dhcp', metric: 100 },
  { dst: '10.128.0.1', dev: 'ens4', protocol: 'dhcp', scope: 'link', metric: 100 },
  { dst: '172.17.0.0/16', dev: 'docker0', protocol: 'kernel', scope: 'link' },
  { dst: '10.1.0.0/16', gateway: '10.128.0.1', dev: 'ens4', protocol: 'static', flags: ['onlink'] },
]
const routes6 = [
  { dst: 'default', gateway: 'fe80::1', dev: 'ens4', protocol: 'ra', metric: 1024 },
  { dst: 'fe80::/64', dev: 'ens4', protocol: 'kernel' },
]

t.test(
  'ip -j: device-backed interfaces, global addresses, routes a kernel does not make itself',
  async (t) => {
    const physical = new Set(['ens4'])
    const ifs = interfacesFromIpJson(ipAddr, physical)
    t.same(ifs, [
      {
        name: 'ens4',
        mac: '42:01:0a:80:00:05',
        mtu: 1460,
        addresses: [
          { family: 'inet', local: '10.128.0.5', prefixlen: 32, dynamic: true },
          { family: 'inet6', local: '2600:1900::5', prefixlen: 128, dynamic: false },
        ],
      },
    ])
    const r = [
      ...routesFromIpJson(routes4, 'inet', physical),
      ...routesFromIpJson(routes6, 'inet6', physical),
    ]
    t.same(
      r.map((x) => `${x.dst}>${x.gateway ?? 'link'}${x.onlink ? ' onlink' : ''}`),
      ['default>10.128.0.1', '10.128.0.1>link', '10.1.0.0/16>10.128.0.1 onlink'],
      'kernel and RA routes are left to the stateless kernel',
    )
    t.throws(() => interfacesFromIpJson({}, physical), { code: 'NETWORK_CAPTURE' })
  },
)

t.test('busybox ip text and /proc/net routes', async (t) => {
  const text = [
    '1: lo    inet 127.0.0.1/8 scope host lo',
    '2: eth0    inet 10.0.0.1/24 scope global eth0',
    '3: eth1    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth1',
    '3: eth1    inet6 fec0::5054:ff:fe00:11a/64 scope site dynamic',
  ].join('\n')
  const links = new Map([
    ['eth0', { mac: '52:54:00:00:01:0a', mtu: 1500 }],
    ['eth1', { mac: '52:54:00:00:01:1a' }],
  ])
  t.same(
    interfacesFromIpText(text, links).map((i) => [
      i.name,
      i.addresses.map((a) => `${a.local}/${a.prefixlen}${a.dynamic ? ' dyn' : ''}`),
    ]),
    [
      ['eth0', ['10.0.0.1/24']],
      ['eth1', ['10.0.2.15/24 dyn']],
    ],
  )
  const route4 = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth1\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth1\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth0\t0000010A\t0101000A\t0003\t0\t0\t5\t0000FFFF\t0\t0\t0',
  ].join('\n')
  const route6 = [
    '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00450003 eth1',
    '20010db8000000000000000000000000 30 00000000000000000000000000000000 00 20010db8000000000000000000000001 00000100 00000001 00000000 00000003 eth0',
    'fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0',
  ].join('\n')
  t.same(
    routesFromProc(route4, route6, new Set(['eth0', 'eth1'])).map(
      (r) => `${r.family} ${r.dst}>${r.gateway}@${r.dev}${r.metric ? ` m${r.metric}` : ''}`,
    ),
    [
      'inet default>10.0.2.2@eth1',
      'inet 10.1.0.0/16>10.0.1.1@eth0 m5',
      'inet6 2001:db8::/48>2001:db8::1@eth0 m256',
    ],
    'subnet routes and RA (addrconf) routes are skipped',
  )
})

t.test('resolv.conf', async (t) => {
  t.same(
    dnsFromResolvConf(
      '# c\nnameserver 10.0.0.2\nnameserver bogus\nsearch a.example b.example\ndomain a.example\n',
    ),
    {
      nameservers: ['10.0.0.2'],
      search: ['a.example', 'b.example'],
    },
  )
})

t.test(
  'the restore plan: interfaces found by MAC and renamed, routes through a gateway after the direct ones',
  async (t) => {
    const config = validateNetworkConfig({
      interfaces: [
        {
          name: 'ens4',
          mac: '42:01:0a:80:00:05',
          mtu: 1460,
          addresses: [{ family: 'inet', local: '10.128.0.5', prefixlen: 32, dynamic: true }],
        },
        { name: 'ens5', mac: '42:01:0a:80:00:06', addresses: [] },
      ],
      routes: [
        { family: 'inet', dst: 'default', gateway: '10.128.0.1', dev: 'ens4', onlink: false, metric: 100 },
        { family: 'inet', dst: '10.1.0.0/16', gateway: '10.128.0.1', dev: 'ens4', onlink: true },
        { family: 'inet', dst: '10.128.0.1', dev: 'ens4', onlink: false },
        { family: 'inet', dst: '10.9.0.0/16', gateway: '10.9.0.1', dev: 'ens5', onlink: false },
      ],
      dns: { nameservers: [], search: [] },
    })
    const plan = planNetwork(config, new Map([['42:01:0a:80:00:05', 'eth0']]))
    t.same(plan.missing, ['42:01:0a:80:00:06'])
    t.same(plan.commands, [
      ['link', 'set', 'dev', 'lo', 'up'],
      ['link', 'set', 'dev', 'eth0', 'name', 'ens4'],
      ['link', 'set', 'dev', 'ens4', 'mtu', '1460', 'up'],
      ['addr', 'add', '10.128.0.5/32', 'dev', 'ens4'],
      ['-4', 'route', 'replace', '10.128.0.1', 'dev', 'ens4'],
      ['-4', 'route', 'replace', '10.1.0.0/16', 'via', '10.128.0.1', 'dev', 'ens4', 'onlink'],
      ['-4', 'route', 'replace', 'default', 'via', '10.128.0.1', 'dev', 'ens4', 'metric', '100'],
    ])
  },
)

t.test('validation keeps anything odd away from the ip command line', async (t) => {
  const base = { interfaces: [], routes: [], dns: { nameservers: [], search: [] } }
  t.throws(
    () =>
      validateNetworkConfig({
        ...base,
        interfaces: [{ name: 'eth0;reboot', mac: '52:54:00:00:00:01', addresses: [] }],
      }),
    { code: 'NETWORK_INVALID' },
  )
  t.throws(
    () => validateNetworkConfig({ ...base, interfaces: [{ name: 'eth0', mac: 'nope', addresses: [] }] }),
    { code: 'NETWORK_INVALID' },
  )
  t.throws(
    () =>
      validateNetworkConfig({ ...base, routes: [{ family: 'inet', dst: 'x', dev: 'eth0', onlink: false }] }),
    { code: 'NETWORK_INVALID' },
  )
  t.throws(() => validateNetworkConfig({ ...base, dns: { nameservers: ['1.2.3.4 x'], search: [] } }), {
    code: 'NETWORK_INVALID',
  })
})
