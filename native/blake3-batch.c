/*
 * hashBlocks(data, blockSize, out): the BLAKE3-256 hash of each block of
 * `data` (whole blocks of `blockSize`, a power of two >= 1024) into `out`
 * (32 bytes per block), in one call.
 * hashBlocksSkippingZeros(data, blockSize, out, zeroHash): the same, except
 * that an all-zero block is recognised by a memcmp and gets `zeroHash` (the
 * hash BLAKE3 gives it) without being hashed. Disks are often half zeros;
 * doing this here saves a JS Buffer.compare call per block (~50 ms per GiB
 * of 4 KiB blocks, on a core that indexing keeps busy).
 *
 * Why: hashing 4 KiB blocks one N-API call at a time runs at ~1.4 GB/s here
 * (a call's overhead, and a 4-chunk input fills a quarter of an AVX-512 lane
 * set), against ~6.5 GB/s for the same bytes this way. Built on the official
 * BLAKE3 C implementation (scripts/build-native.mjs finds it): each level of
 * every block's tree goes through blake3_hash_many at once, so the SIMD
 * lanes are full.
 *
 * BLAKE3 tree of one block (spec section 2.1): chunk k (1024 bytes, counter
 * k, CHUNK_START on its first 64-byte block, CHUNK_END on its last); parents
 * hash two 32-byte children (counter 0, PARENT); the root's compression adds
 * ROOT. A one-chunk block is its own root (ROOT on its last block).
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "blake3.h"
#include "blake3_impl.h"
#include "hash-blocks.h"

#define CHUNK_BLOCKS (BLAKE3_CHUNK_LEN / BLAKE3_BLOCK_LEN)

/* Work memory for hash_blocks of up to `count` blocks of `block_len`; NULL when memory ran out. */
hash_scratch *hash_scratch_new(size_t block_len, size_t count) {
  size_t chunks = block_len / BLAKE3_CHUNK_LEN;
  hash_scratch *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->blocks = malloc(count * sizeof(uint8_t *));
  s->at = malloc(count * sizeof(size_t));
  s->hashed = malloc(count * BLAKE3_OUT_LEN);
  s->inputs = malloc(count * (chunks > 1 ? chunks : 1) * sizeof(uint8_t *));
  if (chunks > 1) {
    s->level = malloc(count * chunks * BLAKE3_OUT_LEN);
    s->tmp = malloc(count * chunks * BLAKE3_OUT_LEN);
  }
  if (s->blocks == NULL || s->at == NULL || s->hashed == NULL || s->inputs == NULL ||
      (chunks > 1 && (s->level == NULL || s->tmp == NULL))) {
    hash_scratch_free(s);
    return NULL;
  }
  return s;
}

void hash_scratch_free(hash_scratch *s) {
  if (s == NULL) return;
  free(s->blocks);
  free(s->at);
  free(s->hashed);
  free(s->inputs);
  free(s->level);
  free(s->tmp);
  free(s);
}

/* Hashes the `count` blocks at blocks[0..count) into out, with `s` made for at least `count` blocks. */
static void hash_blocks(hash_scratch *s, const uint8_t *const *blocks, size_t block_len, size_t count, uint8_t *out) {
  size_t chunks = block_len / BLAKE3_CHUNK_LEN;
  const uint8_t **inputs = s->inputs;
  if (chunks == 1) {
    for (size_t j = 0; j < count; j++) inputs[j] = blocks[j];
    blake3_hash_many(inputs, count, CHUNK_BLOCKS, IV, 0, false, 0, CHUNK_START, CHUNK_END | ROOT, out);
    return;
  }
  uint8_t *level = s->level, *tmp = s->tmp;
  /* chunk chaining values, by chunk index (each index has its own counter), then regrouped per block */
  for (size_t k = 0; k < chunks; k++) {
    for (size_t j = 0; j < count; j++) inputs[j] = blocks[j] + k * BLAKE3_CHUNK_LEN;
    blake3_hash_many(inputs, count, CHUNK_BLOCKS, IV, k, false, 0, CHUNK_START, CHUNK_END, tmp);
    for (size_t j = 0; j < count; j++)
      memcpy(level + (j * chunks + k) * BLAKE3_OUT_LEN, tmp + j * BLAKE3_OUT_LEN, BLAKE3_OUT_LEN);
  }
  /* parent levels: the two children of a parent are adjacent (64 bytes), block after block */
  for (size_t width = chunks; width > 2; width /= 2) {
    size_t n = count * (width / 2);
    for (size_t q = 0; q < n; q++) inputs[q] = level + q * 2 * BLAKE3_OUT_LEN;
    blake3_hash_many(inputs, n, 1, IV, 0, false, PARENT, 0, 0, tmp);
    memcpy(level, tmp, n * BLAKE3_OUT_LEN);
  }
  for (size_t j = 0; j < count; j++) inputs[j] = level + j * 2 * BLAKE3_OUT_LEN;
  blake3_hash_many(inputs, count, 1, IV, 0, false, PARENT | ROOT, 0, 0, out);
}

static const uint8_t ZERO_PAGE[4096];

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t off = 0; off < n; off += sizeof(ZERO_PAGE)) {
    size_t k = n - off < sizeof(ZERO_PAGE) ? n - off : sizeof(ZERO_PAGE);
    if (memcmp(p + off, ZERO_PAGE, k) != 0) return false;
  }
  return true;
}

/* The non-zero blocks hashed together, their hashes then put in their places; zero blocks get zero_hash. */
void hash_blocks_skipping_zeros(hash_scratch *s, const uint8_t *data, size_t count, size_t block_len,
                                uint8_t *out, const uint8_t *zero_hash) {
  size_t n = 0;
  for (size_t j = 0; j < count; j++) {
    const uint8_t *b = data + j * block_len;
    if (all_zero(b, block_len)) {
      memcpy(out + j * BLAKE3_OUT_LEN, zero_hash, BLAKE3_OUT_LEN);
    } else {
      s->blocks[n] = b;
      s->at[n++] = j;
    }
  }
  if (n == 0) return;
  hash_blocks(s, s->blocks, block_len, n, s->hashed);
  for (size_t q = 0; q < n; q++) memcpy(out + s->at[q] * BLAKE3_OUT_LEN, s->hashed + q * BLAKE3_OUT_LEN, BLAKE3_OUT_LEN);
}

bool uint8_array(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, v, &type, len, (void **)data, &buffer, &offset) == napi_ok &&
         type == napi_uint8_array;
}

/* The arguments both functions take: data, blockSize, out (and zeroHash when `skip_zeros`). Throws and returns false when they are wrong. */
static bool block_args(napi_env env, napi_callback_info info, bool skip_zeros, uint8_t **data, size_t *len,
                       uint32_t *bs, uint8_t **out, uint8_t **zero_hash) {
  const char *usage = skip_zeros ? "hashBlocksSkippingZeros(data, blockSize, out, zeroHash)" : "hashBlocks(data, blockSize, out)";
  size_t want = skip_zeros ? 4 : 3, argc = 4, out_len, zh_len;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != want) {
    napi_throw_type_error(env, NULL, usage);
    return false;
  }
  if (!uint8_array(env, argv[0], data, len) || !uint8_array(env, argv[2], out, &out_len) ||
      (skip_zeros && !uint8_array(env, argv[3], zero_hash, &zh_len))) {
    napi_throw_type_error(env, NULL, "block hashing: data, out and zeroHash must be Uint8Arrays");
    return false;
  }
  if (napi_get_value_uint32(env, argv[1], bs) != napi_ok || *bs < BLAKE3_CHUNK_LEN || (*bs & (*bs - 1)) != 0) {
    napi_throw_range_error(env, NULL, "block hashing: blockSize must be a power of two of at least 1024");
    return false;
  }
  if (*len % *bs != 0 || out_len != (*len / *bs) * BLAKE3_OUT_LEN) {
    napi_throw_range_error(env, NULL, "block hashing: data must be whole blocks and out 32 bytes per block");
    return false;
  }
  if (skip_zeros && zh_len != BLAKE3_OUT_LEN) {
    napi_throw_range_error(env, NULL, "block hashing: zeroHash must be 32 bytes");
    return false;
  }
  return true;
}

static napi_value HashBlocks(napi_env env, napi_callback_info info) {
  uint8_t *data, *out;
  size_t len;
  uint32_t bs;
  if (!block_args(env, info, false, &data, &len, &bs, &out, NULL)) return NULL;
  size_t count = len / bs;
  if (count == 0) return NULL;
  hash_scratch *s = hash_scratch_new(bs, count);
  if (s == NULL) {
    napi_throw_error(env, NULL, "hashBlocks: out of memory");
    return NULL;
  }
  for (size_t j = 0; j < count; j++) s->blocks[j] = data + j * bs;
  hash_blocks(s, s->blocks, bs, count, out);
  hash_scratch_free(s);
  return NULL;
}

static napi_value HashBlocksSkippingZeros(napi_env env, napi_callback_info info) {
  uint8_t *data, *out, *zero_hash;
  size_t len;
  uint32_t bs;
  if (!block_args(env, info, true, &data, &len, &bs, &out, &zero_hash)) return NULL;
  size_t count = len / bs;
  if (count == 0) return NULL;
  hash_scratch *s = hash_scratch_new(bs, count);
  if (s == NULL) {
    napi_throw_error(env, NULL, "hashBlocksSkippingZeros: out of memory");
    return NULL;
  }
  hash_blocks_skipping_zeros(s, data, count, bs, out, zero_hash);
  hash_scratch_free(s);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "hashBlocks", NAPI_AUTO_LENGTH, HashBlocks, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "hashBlocks", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "hashBlocksSkippingZeros", NAPI_AUTO_LENGTH, HashBlocksSkippingZeros, NULL, &fn) !=
      napi_ok)
    return NULL;
  if (napi_set_named_property(env, exports, "hashBlocksSkippingZeros", fn) != napi_ok) return NULL;
  if (!hash_mapped_init(env, exports)) return NULL;
  return exports;
}
