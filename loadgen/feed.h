/* feed: the handoff between one producer thread (the replay driver, which keeps the
 * single-threaded workload generator) and the engine's threads. Each engine thread reads
 * its own single-producer ring of ready requests through the source callbacks, and is
 * woken (zf_lg_wake) when the producer adds to a ring it found empty; completions travel
 * back in per-thread batches, and a notify callback tells the producer there are some.
 * The hot path allocates nothing once rings and batches have grown. */
#ifndef ZF_LG_FEED_H
#define ZF_LG_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "engine/err.h"
#include "loadgen/loadgen.h"

typedef struct zf_lg_feed zf_lg_feed_t;

/* A feed for `nthreads` engine threads with rings of `ring_cap` requests each (rounded up
 * to a power of two). *out is the caller's (zf_lg_feed_free). 0, ZF_EINVAL or ZF_ENOMEM. */
int zf_lg_feed_new(zf_lg_feed_t **out, unsigned nthreads, uint32_t ring_cap, zf_err_t *err);
void zf_lg_feed_free(zf_lg_feed_t *f);

/* The engine the feed wakes, and a callback run on an engine thread after it queued a
 * completion (notify(ctx); e.g. uv_async_send). Set both before zf_lg_start. */
void zf_lg_feed_attach(zf_lg_feed_t *f, zf_lg_t *lg, void (*notify)(void *ctx), void *ctx);

/* The source to give zf_lg_start: thread i reads ring i. */
zf_lg_source_t zf_lg_feed_source(zf_lg_feed_t *f);

/* ---- producer side (one thread) ---- */

/* Copies req (with its HTTP bytes) to the end of ring `thread`, in time order per ring.
 * 0, 1 when the ring is full (try later), or ZF_ENOMEM. */
int zf_lg_feed_push(zf_lg_feed_t *f, unsigned thread, const zf_lg_req_t *req);

/* Requests pushed to ring `thread` and not yet taken by its engine thread. */
uint32_t zf_lg_feed_pending(const zf_lg_feed_t *f, unsigned thread);

/* No more requests for any thread: each ends once its ring is empty. */
void zf_lg_feed_end(zf_lg_feed_t *f);

/* Calls fn for every completion queued since the last drain (per thread in completion
 * order; d->body valid during the call). Returns how many. */
size_t zf_lg_feed_drain(zf_lg_feed_t *f,
                        void (*fn)(void *ctx, unsigned thread, const zf_lg_done_t *d),
                        void *ctx);

#endif
