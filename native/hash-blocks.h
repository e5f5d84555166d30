/* What blake3-batch.c and hash-mapped.c share: batched hashing of whole blocks. */
#ifndef VBOOM_HASH_BLOCKS_H
#define VBOOM_HASH_BLOCKS_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Work memory for one call, allocated up front: a call that is cut short (a SIGBUS on a mapped page) then leaks nothing. */
typedef struct {
  const uint8_t **blocks;
  size_t *at;
  uint8_t *hashed;
  const uint8_t **inputs;
  uint8_t *level;
  uint8_t *tmp;
} hash_scratch;

hash_scratch *hash_scratch_new(size_t block_len, size_t count);
void hash_scratch_free(hash_scratch *s);

/* BLAKE3-256 of each of `count` blocks of `block_len` at `data` into out (32 bytes each); all-zero blocks get zero_hash unhashed. */
void hash_blocks_skipping_zeros(hash_scratch *s, const uint8_t *data, size_t count, size_t block_len,
                                uint8_t *out, const uint8_t *zero_hash);

/* True, with its bytes, when `v` is a Uint8Array. */
bool uint8_array(napi_env env, napi_value v, uint8_t **data, size_t *len);

/* Adds hashMappedBlocks to the module's exports (hash-mapped.c). */
bool hash_mapped_init(napi_env env, napi_value exports);

#endif
