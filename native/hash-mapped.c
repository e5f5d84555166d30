/*
 * hashMappedBlocks(fd, position, length, blockSize, out, zeroHash): a Promise
 * for the block hashes of `length` bytes of the file or block device `fd` from
 * byte `position` (whole blocks; position a multiple of the page size), as
 * hashBlocksSkippingZeros gives them for the same bytes.
 *
 * Why: indexing and the final check read the whole disk. With pread the
 * kernel copies every page-cache page into a buffer: 183 ms of a core per GiB
 * here, more than the hashing itself (~130 ms). Mapped, the pages are hashed
 * where they lie: 55-60 ms per GiB to map them. The work runs on libuv's
 * thread pool, so the event loop stays free, and a cold page is read in by the
 * pool thread (MAP_POPULATE reads the range ahead in large requests).
 *
 * A read error on a mapped page is a SIGBUS, not an error code. A handler
 * installed once turns a SIGBUS on a pool thread inside this call into a
 * rejected Promise (code EIO) by siglongjmp; any other SIGBUS goes to the
 * handler that was there before, or gets the default action, as without us.
 * Nothing is allocated between the jump's setup and its target, so a cut-short
 * call leaks nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hash-blocks.h"

#define HASH_LEN 32

/* Set on a thread while it reads mapped pages; the SIGBUS handler jumps there. */
static __thread sigjmp_buf *volatile guard = NULL;
static struct sigaction previous;
static bool installed = false;

static void on_sigbus(int sig, siginfo_t *info, void *ctx) {
  if (guard != NULL) siglongjmp(*guard, 1);
  if ((previous.sa_flags & SA_SIGINFO) != 0 && previous.sa_sigaction != NULL) {
    previous.sa_sigaction(sig, info, ctx);
  } else if ((previous.sa_flags & SA_SIGINFO) == 0 && previous.sa_handler != SIG_DFL &&
             previous.sa_handler != SIG_IGN) {
    previous.sa_handler(sig);
  } else {
    /* returning runs the faulting access again, which now ends the process as it would have */
    signal(SIGBUS, SIG_DFL);
  }
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref out_ref;
  int fd;
  int64_t position;
  size_t length;
  uint32_t block_size;
  uint8_t *out;
  uint8_t zero_hash[HASH_LEN];
  /* 0, an errno value, or EIO for a SIGBUS */
  int err;
  const char *what;
} job;

static void execute(napi_env env, void *data) {
  (void)env;
  job *j = data;
  size_t count = j->length / j->block_size;
  if (count == 0) return;
  hash_scratch *s = hash_scratch_new(j->block_size, count);
  if (s == NULL) {
    j->err = ENOMEM;
    j->what = "allocating hash work memory";
    return;
  }
  void *m = mmap(NULL, j->length, PROT_READ, MAP_SHARED | MAP_POPULATE, j->fd, (off_t)j->position);
  if (m == MAP_FAILED) {
    j->err = errno;
    j->what = "mmap";
    hash_scratch_free(s);
    return;
  }
  sigjmp_buf here;
  /* savemask 1: the jump restores the signal mask, so SIGBUS is not left blocked on this pool thread */
  if (sigsetjmp(here, 1) == 0) {
    guard = &here;
    hash_blocks_skipping_zeros(s, m, count, j->block_size, j->out, j->zero_hash);
    guard = NULL;
  } else {
    guard = NULL;
    j->err = EIO;
    j->what = "reading a mapped page (SIGBUS)";
  }
  munmap(m, j->length);
  hash_scratch_free(s);
}

static void complete(napi_env env, napi_status status, void *data) {
  job *j = data;
  napi_value result;
  if (status != napi_ok || j->err != 0) {
    napi_value msg, code, error;
    char text[200];
    int err = j->err != 0 ? j->err : EIO;
    snprintf(text, sizeof text, "hashMappedBlocks: %s at byte %lld failed: %s", j->what != NULL ? j->what : "work",
             (long long)j->position, strerror(err));
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, err == EIO ? "EIO" : err == ENOMEM ? "ENOMEM" : "ERR_MAPPED_HASH",
                            NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &error);
    napi_set_named_property(env, error, "errno", (napi_create_int32(env, err, &result), result));
    napi_reject_deferred(env, j->deferred, error);
  } else {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_reference(env, j->out_ref);
  napi_delete_async_work(env, j->work);
  free(j);
}

static napi_value HashMappedBlocks(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6) {
    napi_throw_type_error(env, NULL, "hashMappedBlocks(fd, position, length, blockSize, out, zeroHash)");
    return NULL;
  }
  int32_t fd;
  int64_t position, length;
  uint32_t bs;
  uint8_t *out, *zh;
  size_t out_len, zh_len;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &position) != napi_ok ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok || napi_get_value_uint32(env, argv[3], &bs) != napi_ok ||
      !uint8_array(env, argv[4], &out, &out_len) || !uint8_array(env, argv[5], &zh, &zh_len)) {
    napi_throw_type_error(env, NULL, "hashMappedBlocks: fd, position, length and blockSize are numbers; out and zeroHash Uint8Arrays");
    return NULL;
  }
  long page = sysconf(_SC_PAGESIZE);
  if (fd < 0 || position < 0 || length < 0 || position % page != 0) {
    napi_throw_range_error(env, NULL, "hashMappedBlocks: fd and length must be >= 0, position a multiple of the page size");
    return NULL;
  }
  if (bs < 1024 || (bs & (bs - 1)) != 0 || length % bs != 0 || out_len != (size_t)(length / bs) * HASH_LEN ||
      zh_len != HASH_LEN) {
    napi_throw_range_error(env, NULL,
                           "hashMappedBlocks: blockSize a power of two >= 1024, length whole blocks, out 32 bytes per block, zeroHash 32 bytes");
    return NULL;
  }
  job *j = calloc(1, sizeof *j);
  if (j == NULL) {
    napi_throw_error(env, NULL, "hashMappedBlocks: out of memory");
    return NULL;
  }
  j->fd = fd;
  j->position = position;
  j->length = (size_t)length;
  j->block_size = bs;
  j->out = out;
  memcpy(j->zero_hash, zh, HASH_LEN);
  napi_value promise, name;
  /* `out` is written from the pool thread: the reference keeps it alive until complete() */
  if (napi_create_reference(env, argv[4], 1, &j->out_ref) != napi_ok ||
      napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "vboom:hashMappedBlocks", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    free(j);
    napi_throw_error(env, NULL, "hashMappedBlocks: could not queue the work");
    return NULL;
  }
  return promise;
}

bool hash_mapped_init(napi_env env, napi_value exports) {
  if (!installed) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &previous) != 0) return false;
    installed = true;
  }
  napi_value fn;
  return napi_create_function(env, "hashMappedBlocks", NAPI_AUTO_LENGTH, HashMappedBlocks, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, "hashMappedBlocks", fn) == napi_ok;
}
