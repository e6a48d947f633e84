/* backlog: the store-and-forward buffers of every device of a fleet in one pool. A
 * device's buffer is the FIFO of its waiting messages, numbered by consecutive seqs
 * [seq_head, seq_next), so only each message's type (one byte) is stored, in blocks of
 * ZF_BACKLOG_BLOCK seqs chained from the oldest; a device with an empty buffer holds no
 * block. Blocks are recycled through a free list: the hot path allocates only when the
 * pool itself grows. */
#ifndef ZF_WL_BACKLOG_H
#define ZF_WL_BACKLOG_H

#include <stddef.h>
#include <stdint.h>

#define ZF_BACKLOG_BLOCK 32 /* a power of two, so block boundaries survive seq wrap-around */

/* One device's buffer: first and last block (0: none). Embedded in the device state. */
typedef struct zf_backlog {
    uint32_t head, tail;
} zf_backlog_t;

typedef struct zf_backlog_pool {
    struct zf_backlog_block *b; /* [cap]; index 0 unused */
    uint32_t cap, used, free_head;
} zf_backlog_pool_t;

void zf_backlog_pool_init(zf_backlog_pool_t *p);
void zf_backlog_pool_free(zf_backlog_pool_t *p);

/* Bytes the pool holds (for the bytes-per-device figure). */
size_t zf_backlog_pool_bytes(const zf_backlog_pool_t *p);

/* Appends the message `seq` (== the buffer's seq_next) of type `type`. 0 or ZF_ENOMEM. */
int zf_backlog_push_back(zf_backlog_pool_t *p, zf_backlog_t *bl, uint32_t seq, uint8_t type);

/* Puts `seq` (== seq_head - 1, or any seq when the buffer is empty) back in front.
 * 0 or ZF_ENOMEM. */
int zf_backlog_push_front(zf_backlog_pool_t *p, zf_backlog_t *bl, uint32_t seq, uint8_t type);

/* Type of the oldest message `seq_head` (buffer not empty). */
uint8_t zf_backlog_front(const zf_backlog_pool_t *p, const zf_backlog_t *bl, uint32_t seq_head);

/* Removes the oldest message seq_head; `left` is how many stay after it. Frees blocks
 * that no longer hold a waiting message. */
void zf_backlog_pop_front(zf_backlog_pool_t *p, zf_backlog_t *bl, uint32_t seq_head,
                          uint32_t left);

#endif
