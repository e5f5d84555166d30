/** A TCP port nothing listens on, for a process that must know its port before it starts. */
import { type AddressInfo, createServer } from 'node:net'

/**
 * A free TCP port on the loopback: the OS picks it, the probe closes it at
 * once, so a process started next (or restarted) can listen there.
 */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  // A TCP listener's address is always an AddressInfo (a string only for a pipe).
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
