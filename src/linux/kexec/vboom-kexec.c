/*
 * vboom-kexec: the smallest kexec VBoom needs, linked statically so that it
 * runs on any VM (Debian's kexec-tools pulls in the Xen libraries).
 *
 *   vboom-kexec load KERNEL INITRD CMDLINE   kexec_file_load(2): the kernel
 *       reads and checks the files itself, so this also works under
 *       lockdown when KERNEL carries a signature the kernel trusts.
 *   vboom-kexec unload                       drops a loaded image.
 *   vboom-kexec exec                         sync(2), then reboot(2) into
 *       the loaded image at once (no shutdown of services: the caller
 *       stops what it must first, or uses `systemctl kexec`).
 *
 * On failure it prints "vboom-kexec: <what>: errno=<n> (<text>)" on stderr
 * and exits 1; the errno is what the caller decides on.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD 0x00000001
#endif

static int fail(const char *what) {
  int e = errno;
  fprintf(stderr, "vboom-kexec: %s: errno=%d (%s)\n", what, e, strerror(e));
  return 1;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "load") == 0) {
    int kernel = open(argv[2], O_RDONLY | O_CLOEXEC);
    if (kernel < 0) return fail("open kernel");
    int initrd = open(argv[3], O_RDONLY | O_CLOEXEC);
    if (initrd < 0) return fail("open initrd");
    /* the command line length counts its terminating NUL (kexec_file_load(2)) */
    if (syscall(SYS_kexec_file_load, kernel, initrd, strlen(argv[4]) + 1, argv[4], 0UL) != 0)
      return fail("kexec_file_load");
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "unload") == 0) {
    if (syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, (unsigned long)KEXEC_FILE_UNLOAD) != 0)
      return fail("kexec_file_load unload");
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "exec") == 0) {
    sync();
    if (reboot(LINUX_REBOOT_CMD_KEXEC) != 0) return fail("reboot(LINUX_REBOOT_CMD_KEXEC)");
    return 0;
  }
  fprintf(stderr, "usage: vboom-kexec load KERNEL INITRD CMDLINE | unload | exec\n");
  return 2;
}
