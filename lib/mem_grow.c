/*
 * mem_grow.c -- the array-growth helper of include/mcx/mem_grow.h.
 * Owns: doubling a dynamic array's capacity. Does not own: the arrays, their
 * bounds or what out of memory means to the caller.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mcx/mem_grow.h"

int mcx_mem_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (elem == 0 || ncap < *cap || ncap > SIZE_MAX / elem)
        return -1;
    void *p = realloc(*arr, ncap * elem);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}
