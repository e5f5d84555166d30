#!/usr/bin/env node
// Adds lock entries for the other-platform optional binaries of native
// packages (napi-rs naming: <pkg>-<os>-<cpu>[-<abi>]). The registry this project
// installs from serves only the linux-x64 builds, so `npm install` leaves those
// entries out, and `npm ci` then refuses the lock as out of sync. With the
// entries present (os/cpu set, never fetched), `npm ci` skips them as
// platform-mismatched. Run after any `npm install`: node scripts/lock-platform-optionals.mjs
import { readFileSync, writeFileSync } from 'node:fs'

const file = 'package-lock.json'
const lock = JSON.parse(readFileSync(file, 'utf8'))
const pkgs = lock.packages
const re =
  /-(android|darwin|freebsd|linux|win32)-(arm64|x64|arm|ia32|ppc64|s390x|riscv64)(?:-(gnu|musl|msvc|gnueabihf|musleabihf))?$/
let added = 0
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`
    if (pkgs[key] !== undefined || pkgs[`${path}/${key}`] !== undefined) continue
    const m = name.match(re)
    if (m === null) continue
    const entry = { version, cpu: [m[2]], optional: true, os: [m[1]] }
    if (m[3] === 'gnu' || m[3] === 'gnueabihf') entry.libc = ['glibc']
    if (m[3] === 'musl' || m[3] === 'musleabihf') entry.libc = ['musl']
    pkgs[key] = entry
    added++
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
)
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`${added} platform-optional lock entr${added === 1 ? 'y' : 'ies'} added`)
