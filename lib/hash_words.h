/*
 * hash_words.h -- the one hash the in-memory caches use to pick a slot.
 *
 * Owns: mcx_hash_words, FNV-1a style mixing a 64-bit word at a time (the
 * tail byte by byte) with a shift that spreads high bits down, so slot
 * indexes taken from the low bits do not thrash. Only picks slots: the
 * caches (dns_decode.c, validate_cache.c) decide equality by comparing the
 * whole key. Does not own: what is hashed nor the tables.
 */
#ifndef MCX_HASH_WORDS_H
#define MCX_HASH_WORDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MCX_HASH_SEED 0xcbf29ce484222325ULL

static inline uint64_t mcx_hash_words(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h ^= w;
        h *= 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#endif
