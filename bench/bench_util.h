/* bench_util: small helpers shared by the benchmark programs in bench/: a monotonic wall
 * clock, the process's peak resident memory, and a fast inline PRNG (xoshiro256+) for
 * workloads whose own random numbers must cost next to nothing beside what is measured.
 * Header-only; benchmarks print one JSON object per line on stdout and nothing else. */
#ifndef ZF_BENCH_UTIL_H
#define ZF_BENCH_UTIL_H

#include <math.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

/* Monotonic wall clock in seconds. */
static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time consumed by this process, seconds: beside the wall clock it shows whether a
 * run lost time to other work on the machine (wall_s well above cpu_s). */
static inline double bench_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Peak resident set size of this process so far, bytes (getrusage; Linux reports KiB). */
static inline uint64_t bench_peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024u;
}

/* xoshiro256+ (Blackman and Vigna, https://prng.di.unimi.it/): fast, good enough in its
 * top 53 bits for doubles. Seeded through splitmix64 so any seed gives a usable state. */
typedef struct bench_rng {
    uint64_t s[4];
} bench_rng_t;

static inline uint64_t bench_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void bench_rng_seed(bench_rng_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = bench_splitmix64(&seed);
}

static inline uint64_t bench_rng_next(bench_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = s[0] + s[3];
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform double in (0, 1]: never 0, so -log(u) is finite. */
static inline double bench_rng_open0(bench_rng_t *r)
{
    return (double)((bench_rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Exponential variate with the given mean, in integer ns (inverse transform, -mean*ln u). */
static inline int64_t bench_rng_exp_ns(bench_rng_t *r, double mean_ns)
{
    return (int64_t)(-mean_ns * log(bench_rng_open0(r)));
}

#endif
