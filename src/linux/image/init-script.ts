/**
 * /init of the stateless image (busybox sh, PID 1). It does only what must
 * happen before Node can run, and decides what happens when Node stops:
 * - mounts proc, sys, dev, tmp, run; loads the image's modules in order;
 * - finds the reserve's state partition by the `vboom.state=<start>:<sectors>`
 *   the kernel was started with (by geometry, never by label: the swapped
 *   region holds the partner's partitions, which may carry any label) and
 *   mounts it; the VM's own partitions are never mounted;
 * - runs the stateless entry (stateless-main.ts), which reboots the machine
 *   itself once the boot area is final. If it exits instead: exit code 3
 *   means a failure a retry cannot fix (power off now); any other code is
 *   retried a few times, then the machine powers off. /init never reboots:
 *   until the boot area is final a reboot would only land here again, and
 *   powering off leaves a machine the owner sees is down, with the reason in
 *   the reserve's log.
 */
import {
  CMDLINE_KEYS,
  STATELESS_EXIT_POWEROFF,
  STATELESS_MAX_ATTEMPTS,
  STATELESS_STATE_MOUNT,
} from '../constants.js'
import { ENTRY_IN_IMAGE } from './bundle.js'

/** Where /init reads the ordered module list (paths relative to /lib/modules/<version>). */
export const MODULE_ORDER_FILE = 'lib/modules/vboom.order'

/**
 * The first lines of any of VBoom's /init scripts (busybox sh, PID 1): the
 * kernel's filesystems, tmpfs for /tmp and /run, the reserve's mount point,
 * and `up` for the uptime in log lines.
 */
export function earlyMounts(): string {
  return `mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm /tmp /run ${STATELESS_STATE_MOUNT}
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=0755 run /run
up() { cut -d' ' -f1 /proc/uptime; }`
}

/** Loads the image's modules in MODULE_ORDER_FILE's order, counting those loaded in $loaded. */
export function loadModules(kernelVersion: string): string {
  return `loaded=0
while read -r m; do
  [ -n "$m" ] && insmod /lib/modules/${kernelVersion}/"$m" 2>/dev/null && loaded=$((loaded+1))
done < /${MODULE_ORDER_FILE}`
}

export function initScript(kernelVersion: string): string {
  return `#!/bin/sh
# VBoom stateless image: runs from RAM; the VM's disk is never mounted.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
${earlyMounts()}
say() { echo "vboom-init: $*"; [ -w ${STATELESS_STATE_MOUNT}/log ] && echo "$(up) $*" >> ${STATELESS_STATE_MOUNT}/log/init.log && sync; }
halt_now() { say "powering off: $*"; sync; umount ${STATELESS_STATE_MOUNT} 2>/dev/null; poweroff -f; sleep 60; }
VIA=unknown
for kv in $(cat /proc/cmdline); do case "$kv" in ${CMDLINE_KEYS.via}=*) VIA="\${kv#*=}";; esac; done
echo "VBOOM-INIT start via=$VIA uptime=$(up)"

${loadModules(kernelVersion)}

STATE=""
for kv in $(cat /proc/cmdline); do
  case "$kv" in ${CMDLINE_KEYS.state}=*) STATE="\${kv#*=}";; esac
done
[ -n "$STATE" ] || halt_now "no ${CMDLINE_KEYS.state}= on the kernel command line: this kernel was not started by VBoom"
START="\${STATE%%:*}"; SECTORS="\${STATE#*:}"

PART=""; i=0
while [ -z "$PART" ] && [ $i -lt 300 ]; do
  for d in /sys/class/block/*; do
    [ -f "$d/partition" ] || continue
    if [ "$(cat "$d/start")" = "$START" ] && [ "$(cat "$d/size")" = "$SECTORS" ]; then PART="\${d##*/}"; DISK="$(basename "$(readlink -f "$d/..")")"; fi
  done
  [ -z "$PART" ] && { sleep 0.1; i=$((i+1)); }
done
[ -n "$PART" ] || halt_now "no partition starts at sector $START with $SECTORS sectors: the reserve's disk is missing (its driver is not in this image?)"
mount -t ext4 -o rw,noatime /dev/$PART ${STATELESS_STATE_MOUNT} || halt_now "cannot mount the reserve's state partition /dev/$PART"
mkdir -p ${STATELESS_STATE_MOUNT}/log
say "modules loaded: $loaded; reserve /dev/$PART on /dev/$DISK; uptime $(up)"

export VBOOM_STATE_DIR=${STATELESS_STATE_MOUNT} VBOOM_DISK=/dev/$DISK
attempt=1
while [ $attempt -le ${STATELESS_MAX_ATTEMPTS} ]; do
  node /${ENTRY_IN_IMAGE}
  rc=$?
  [ $rc = ${STATELESS_EXIT_POWEROFF} ] && halt_now "the stateless agent stopped for good (see ${STATELESS_STATE_MOUNT}/log)"
  say "the stateless agent exited with $rc (attempt $attempt of ${STATELESS_MAX_ATTEMPTS})"
  attempt=$((attempt+1))
  sleep 5
done
halt_now "the stateless agent failed ${STATELESS_MAX_ATTEMPTS} times"
`
}
