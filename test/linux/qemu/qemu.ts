/**
 * One qemu VM for the tests: TCG (KVM cannot boot Linux on the machines
 * these tests run on, and an automatic fallback picks KVM and crawls), one
 * vCPU, its serial console in a file, a QMP socket (system_reset, quit), an
 * SMBIOS system UUID per slot (the location), OEM strings for per-slot
 * settings, and two virtio NICs: a point-to-point link to the other VM
 * (`-netdev socket`: an L2 link over one loopback TCP connection, the
 * listener started first) and user networking, where 10.0.2.2 is the host's
 * loopback (an anchor on the host). `stop` kills it whatever state it is in.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createConnection, type Socket } from 'node:net'
import { join } from 'node:path'

export interface VmSlot {
  /** SMBIOS type 1 UUID: the location's identity. */
  uuid: string
  /** MACs of the peer-link NIC and of the host NIC. */
  peerMac: string
  hostMac: string
  /** `listen` or `connect` end of the peer link, on 127.0.0.1:port. */
  link: { mode: 'listen' | 'connect'; port: number }
  /** Per-slot settings the guest reads from SMBIOS OEM strings (type 11). */
  oem?: string
  /** A host forward 127.0.0.1:host -> guest:guest on the user network (the host dials the guest's agent). */
  forward?: { host: number; guest: number }
}

export interface VmOptions {
  name: string
  disk: string
  slot: VmSlot
  dir: string
  memMiB?: number
  /** The guest's reboot ends qemu (-no-reboot): the host looks at the disk between two boots. */
  noReboot?: boolean
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Waits until something listens on 127.0.0.1:`port` (read from /proc/net/tcp,
 * without connecting: a test connection would be taken as the peer link).
 * The `connect` end of a peer link started before its listener stays
 * unconnected for good (qemu 7.2 does not retry), so it starts after this.
 */
export async function waitListening(port: number, timeoutMs = 30_000): Promise<void> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const table = await readFile('/proc/net/tcp', 'utf8').catch(() => '')
    // columns: sl local_address rem_address st ...; st 0A is LISTEN
    if (
      table.split('\n').some((l) => l.trim().split(/\s+/)[1] === local && l.trim().split(/\s+/)[3] === '0A')
    )
      return
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await sleep(100)
  }
}

export class QemuVm {
  readonly serialPath: string
  readonly qmpPath: string
  private child: ChildProcess | null = null
  private exitCode: number | null = null
  private exited: Promise<void> = Promise.resolve()
  readonly startedAt = Date.now()

  constructor(readonly o: VmOptions) {
    this.serialPath = join(o.dir, `${o.name}.serial.log`)
    this.qmpPath = join(o.dir, `${o.name}.qmp`)
  }

  args(): string[] {
    const s = this.o.slot
    const link =
      s.link.mode === 'listen' ? `listen=127.0.0.1:${s.link.port}` : `connect=127.0.0.1:${s.link.port}`
    return [
      '-accel',
      'tcg',
      '-m',
      String(this.o.memMiB ?? 1024),
      '-smp',
      '1',
      '-nodefaults',
      ...(this.o.noReboot === true ? ['-no-reboot'] : []),
      '-display',
      'none',
      '-serial',
      `file:${this.serialPath}`,
      '-qmp',
      `unix:${this.qmpPath},server=on,wait=off`,
      '-smbios',
      `type=1,uuid=${s.uuid}`,
      ...(s.oem !== undefined ? ['-smbios', `type=11,value=${s.oem}`] : []),
      '-drive',
      `file=${this.o.disk},if=virtio,format=raw,cache=unsafe`,
      '-netdev',
      `socket,id=peer,${link}`,
      '-device',
      `virtio-net-pci,netdev=peer,mac=${s.peerMac},romfile=`,
      '-netdev',
      `user,id=host${s.forward === undefined ? '' : `,hostfwd=tcp:127.0.0.1:${s.forward.host}-:${s.forward.guest}`}`,
      '-device',
      `virtio-net-pci,netdev=host,mac=${s.hostMac},romfile=`,
    ]
  }

  start(): void {
    const child = spawn('qemu-system-x86_64', this.args(), { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.on('data', (d) => {
      stderr += d
    })
    this.child = child
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exitCode = code ?? -1
        if (code !== 0 && stderr !== '') process.stderr.write(`qemu ${this.o.name}: ${stderr}\n`)
        resolve()
      })
    })
  }

  get running(): boolean {
    return this.child !== null && this.exitCode === null
  }

  async serial(): Promise<string> {
    return readFile(this.serialPath, 'utf8').catch(() => '')
  }

  /**
   * Waits until the serial log matches `re` (from character `from` on);
   * returns the match and where it ends. Throws with the log's tail on timeout
   * or when the VM exits first.
   */
  async waitFor(
    re: RegExp,
    timeoutMs: number,
    from = 0,
  ): Promise<{ match: RegExpMatchArray; end: number; atMs: number }> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const log = (await this.serial()).slice(from)
      const m = log.match(re)
      if (m !== null && m.index !== undefined)
        return { match: m, end: from + m.index + m[0].length, atMs: Date.now() - this.startedAt }
      if (!this.running)
        throw new Error(`${this.o.name} exited before ${re}; serial tail:\n${log.slice(-3000)}`)
      if (Date.now() > deadline)
        throw new Error(`${this.o.name}: no ${re} within ${timeoutMs} ms; serial tail:\n${log.slice(-3000)}`)
      await sleep(200)
    }
  }

  /** Sends one QMP command (after the capabilities handshake) and returns its answer. */
  async qmp(execute: string, args?: Record<string, unknown>): Promise<unknown> {
    const sock: Socket = createConnection(this.qmpPath)
    try {
      let buf = ''
      const lines: unknown[] = []
      const waiters: Array<() => void> = []
      sock.on('data', (d) => {
        buf += d
        let nl = buf.indexOf('\n')
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim()
          buf = buf.slice(nl + 1)
          if (line !== '') lines.push(JSON.parse(line))
          waiters.shift()?.()
          nl = buf.indexOf('\n')
        }
      })
      const next = async (): Promise<Record<string, unknown>> => {
        for (;;) {
          const i = lines.findIndex((l) => (l as { event?: unknown }).event === undefined)
          if (i >= 0) return lines.splice(i, 1)[0] as Record<string, unknown>
          await new Promise<void>((r) => waiters.push(r))
        }
      }
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve)
        sock.once('error', reject)
      })
      await next() // greeting
      sock.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`)
      await next()
      sock.write(`${JSON.stringify(args === undefined ? { execute } : { execute, arguments: args })}\n`)
      const answer = await next()
      if (answer.error !== undefined) throw new Error(`QMP ${execute}: ${JSON.stringify(answer.error)}`)
      return answer.return
    } finally {
      sock.destroy()
    }
  }

  /** Waits for qemu to exit (the guest powered off); throws on timeout. */
  async waitExit(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.exited,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${this.o.name} still running after ${timeoutMs} ms`)),
          timeoutMs,
        )
      }),
    ])
    clearTimeout(timer)
    return this.exitCode!
  }

  /** Ends the VM: QMP quit, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (!this.running) return
    await this.qmp('quit').catch(() => undefined)
    await Promise.race([this.exited, sleep(2000)])
    if (this.running) this.child!.kill('SIGKILL')
    await this.exited
  }
}
