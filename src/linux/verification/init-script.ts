/**
 * /init of the verification image (busybox sh, PID 1). The image is the
 * anchor's: no shell is offered on any console, no getty, no login, nothing
 * listens. It mounts the reserve's state partition (found by its label: no
 * swap is under way when a VM is verified, so the disk holds only this VM's
 * partitions and the reserve; the VM's own filesystems are never mounted),
 * runs the entry, and reboots into the VM's own disk when the entry exits,
 * or at the deadline whatever the entry does (a watchdog started first).
 * The disk's boot area is the VM's (bootRemote never redirects it): a
 * reboot, a reset or a panic (panic= on the signed command line) boots the
 * VM.
 */
import { RESERVE_STATE_LABEL, STATELESS_STATE_MOUNT } from '../constants.js'
import { earlyMounts, loadModules } from '../image/init-script.js'
import { VERIFICATION_DEADLINE_S, VERIFICATION_ENTRY_IN_IMAGE } from './layout.js'
import { SCRATCH_DIR } from './session-file.js'

export function verificationInitScript(kernelVersion: string): string {
  const state = STATELESS_STATE_MOUNT
  return `#!/bin/sh
# VBoom verification image (the anchor's): runs from RAM, answers only the anchor, then boots the VM again.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
${earlyMounts()}
back() { echo "vboom-verify-init: rebooting into the VM's own disk: $*"; sync; umount ${state} 2>/dev/null; reboot -f; sleep 60; }
( sleep ${VERIFICATION_DEADLINE_S}; echo "vboom-verify-init: deadline of ${VERIFICATION_DEADLINE_S} s reached"; sync; reboot -f ) &
echo "VBOOM-VERIFY-INIT start uptime=$(up)"

${loadModules(kernelVersion)}

PART=""; i=0
while [ -z "$PART" ] && [ $i -lt 300 ]; do
  PART="$(findfs LABEL=${RESERVE_STATE_LABEL} 2>/dev/null)"
  [ -z "$PART" ] && { sleep 0.1; i=$((i+1)); }
done
[ -n "$PART" ] || back "no partition labelled ${RESERVE_STATE_LABEL} (the VM's VBoom reserve) was found"
mount -t ext4 -o rw,noatime "$PART" ${state} || back "cannot mount the reserve's state partition $PART"
mkdir -p ${state}/log ${state}/${SCRATCH_DIR}
echo "$(up) verification image started, reserve $PART" >> ${state}/log/init.log

VBOOM_STATE_DIR=${state} node /${VERIFICATION_ENTRY_IN_IMAGE}
rc=$?
rm -rf ${state}/${SCRATCH_DIR}
echo "$(up) verification image done (rc=$rc)" >> ${state}/log/init.log
back "the verification ended (rc=$rc)"
`
}
