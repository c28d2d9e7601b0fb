// Counts a process's heap allocations for Documentation/Benchmarks.md (Snapshot decode): malloc, calloc, realloc
// and the aligned forms, printed to stderr at exit. Not part of any package:
//   cc -O2 -shared -fPIC -o /tmp/malloccount.so Tools/malloccount.c
//   LD_PRELOAD=/tmp/malloccount.so .build/release/ResolverProfile decodeOnly medium 1   # then … 2: the difference
//   is one decode
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <errno.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static unsigned long long count;
void *malloc(size_t n) { __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED); return __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) { void *p = memalign(a, n); if (!p) return ENOMEM; *out = p; return 0; }
__attribute__((destructor)) static void report(void) {
    char text[64]; int len = snprintf(text, sizeof text, "malloc calls: %llu\n", count); write(2, text, len);
}
