/*
 * mem_grow.h -- make room for one more element in a dynamic array
 * (lib/mem_grow.c), for the modules whose arrays report out of memory to
 * their caller (lib/pcap_rules.c, lib/pcap_dns_rules.c, conformance/dns_live.c).
 * Owns: the doubling. Does not own: bounds on the element count (callers
 * check their own limits first), nor report.c's arrays (those abort through
 * report_oom).
 */
#ifndef MCX_MEM_GROW_H
#define MCX_MEM_GROW_H

#include <stddef.h>

/* Ensure *arr (of *cap elements of `elem` bytes, `n` in use) has room for
 * element n: when n == *cap, realloc to twice the capacity (16 at first).
 * 0, or -1 when out of memory or the size would overflow (*arr and *cap
 * unchanged). */
int mcx_mem_grow(void **arr, size_t *cap, size_t n, size_t elem);

#endif
