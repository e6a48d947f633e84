/* rng: independent random streams, one per named purpose ("source/arrivals",
 * "station/db", "fault/az-a"), each a GSL generator seeded from the scenario's master
 * seed and the purpose name, so adding a component never changes another's draws. */
#ifndef ZF_RNG_H
#define ZF_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* Embedded by value in model objects; the gsl_rng it points to is owned. */
typedef struct zf_rng {
    gsl_rng *g;
} zf_rng_t;

/* Seed of the stream `purpose` under `master_seed`: SplitMix64 of the master seed mixed
 * with FNV-1a of the name. Pure function, stable across versions (results depend on it). */
uint64_t zf_rng_derive_seed(uint64_t master_seed, const char *purpose);

/* Creates the stream (GSL taus2). Returns 0 or ZF_ENOMEM. Pair with zf_rng_free. */
int zf_rng_init(zf_rng_t *r, uint64_t master_seed, const char *purpose);
void zf_rng_free(zf_rng_t *r);

/* Uniform on the open interval (0, 1). */
double zf_rng_uniform(zf_rng_t *r);

/* Uniform integer in [0, n), n >= 1 (no modulo bias). */
uint64_t zf_rng_below(zf_rng_t *r, uint64_t n);

/* Internal, inline so that the hot draws cost no call: */
/* GSL's taus2 (gsl/rng/taus.c, unchanged since GSL 1.0): its state struct and its step,
 * here so that a draw costs no call through r->type->get. Every word equals the one
 * gsl_rng_get would return, and the two may be mixed on one stream; zf_rng_init asserts
 * that the stream is taus2 and the state has this size. */
typedef struct zf_rng_taus_state_ {
    unsigned long int s1, s2, s3;
} zf_rng_taus_state_t_;

/* The state in registers. GSL's components hold 32-bit values in unsigned longs and mask
 * each shifted term with 0xffffffff; in 32-bit arithmetic the bits shifted out are simply
 * lost, the same thing, in two fewer operations per component. */
typedef struct zf_rng_words_ {
    uint32_t s1, s2, s3;
} zf_rng_words_t_;

static inline zf_rng_words_t_ zf_rng_load_(const gsl_rng *g)
{
    const zf_rng_taus_state_t_ *st = g->state;
    return (zf_rng_words_t_){(uint32_t)st->s1, (uint32_t)st->s2, (uint32_t)st->s3};
}

static inline void zf_rng_store_(const gsl_rng *g, zf_rng_words_t_ w)
{
    zf_rng_taus_state_t_ *st = g->state;
    st->s1 = w.s1;
    st->s2 = w.s2;
    st->s3 = w.s3;
}

#define ZF_RNG_TAUSWORTHE_(s, a, b, c, d) ((((s) & (c)) << (d)) ^ ((((s) << (a)) ^ (s)) >> (b)))

static inline uint32_t zf_rng_step_(zf_rng_words_t_ *w)
{
    w->s1 = ZF_RNG_TAUSWORTHE_(w->s1, 13, 19, 4294967294u, 12);
    w->s2 = ZF_RNG_TAUSWORTHE_(w->s2, 2, 25, 4294967288u, 4);
    w->s3 = ZF_RNG_TAUSWORTHE_(w->s3, 3, 11, 4294967280u, 17);
    return w->s1 ^ w->s2 ^ w->s3;
}

static inline uint32_t zf_rng_word_(const gsl_rng *g)
{
    zf_rng_words_t_ w = zf_rng_load_(g);
    uint32_t x = zf_rng_step_(&w);
    zf_rng_store_(g, w);
    return x;
}

/* the exponential ziggurat's tables and rare path (rng.c) */
extern const uint32_t zf_rng_exp_k_[256];
extern const double zf_rng_exp_w_[256];
double zf_rng_exp_slow_(const gsl_rng *g, unsigned i, uint32_t j, double mean);

/* Exponential with the given mean, by the ziggurat method (Marsaglia & Tsang 2000),
 * one 32-bit word per draw in the common case (the word dominates the cost). One word per
 * draw: the low 8 bits pick the layer and the other 24 the position, disjoint bits so
 * layer and position are independent (Doornik 2005, "An Improved Ziggurat Method to
 * Generate Normal Random Samples", traces ziggurat defects to shared bits). Position
 * resolution is 2^-24 of the layer width, at most 5.2e-7 * mean; the tail path draws a
 * fresh uniform. */
static inline double zf_rng_exp(zf_rng_t *r, double mean)
{
    uint32_t w = zf_rng_word_(r->g);
    unsigned i = w & 0xff;
    uint32_t j = w >> 8;
    if (__builtin_expect(j < zf_rng_exp_k_[i], 1))
        return mean * ((double)j * zf_rng_exp_w_[i]);
    return zf_rng_exp_slow_(r->g, i, j, mean);
}

/* Standard normal N(0,1) (GSL's ziggurat). */
double zf_rng_gauss(zf_rng_t *r);

/* Lognormal exp(N(zeta, sigma^2)): the same draws as gsl_ran_lognormal(r->g, zeta, sigma). */
double zf_rng_lognormal(zf_rng_t *r, double zeta, double sigma);

/* True with probability p. */
static inline int zf_rng_bernoulli(zf_rng_t *r, double p) { return zf_rng_uniform(r) < p; }

#endif
