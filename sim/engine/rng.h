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

/* Exponential with the given mean, by the ziggurat method (Marsaglia & Tsang 2000),
 * one 32-bit word per draw in the common case (the word dominates the cost). */
double zf_rng_exp(zf_rng_t *r, double mean);

/* Standard normal N(0,1) (GSL's ziggurat). */
double zf_rng_gauss(zf_rng_t *r);

/* Lognormal exp(N(zeta, sigma^2)): the same draws as gsl_ran_lognormal(r->g, zeta, sigma). */
double zf_rng_lognormal(zf_rng_t *r, double zeta, double sigma);

/* True with probability p. */
static inline int zf_rng_bernoulli(zf_rng_t *r, double p) { return zf_rng_uniform(r) < p; }

#endif
