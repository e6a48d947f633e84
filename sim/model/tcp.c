/* tcp: what packet loss on a path costs one TCP exchange: the handshake's SYN
 * retransmissions (and whether it completes before a connect timeout) and the
 * retransmissions of a data segment. docs/model.md, "Packet loss". */
#include "model/core.h"

/* Linux: the first SYN is retransmitted after TCP_TIMEOUT_INIT, 1 s (RFC 6298, 2.1), then
 * after twice the previous wait; a lost data segment after the retransmission timeout,
 * at least TCP_RTO_MIN, 200 ms, on a LAN, doubled at each loss (RFC 6298, 5.5). */
#define SYN_RTO ZF_S
#define DATA_RTO (200 * ZF_MS)
#define DATA_GIVE_UP (120 * ZF_S) /* the model's bound on one segment's retransmissions */

zf_time_t zf_tcp_connect(zf_rng_t *rng, double p, zf_time_t timeout)
{
    double ok = (1 - p) * (1 - p); /* the SYN and its SYN-ACK both cross */
    for (zf_time_t at = 0, wait = SYN_RTO; at < timeout; at += wait, wait *= 2)
        if (zf_rng_uniform(rng) < ok)
            return at;
    return -1;
}

zf_time_t zf_tcp_segment(zf_rng_t *rng, double p)
{
    zf_time_t delay = 0, rto = DATA_RTO;
    while (delay < DATA_GIVE_UP && zf_rng_uniform(rng) < p) {
        delay += rto;
        rto *= 2;
    }
    return delay;
}
