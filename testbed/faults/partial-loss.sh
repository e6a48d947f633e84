#!/bin/bash
# partial-loss: a share of the packets entering and leaving a zone is dropped (iptables
# statistic match in the zone's namespace; there is no netem on this kernel). The share
# is the third argument or ZF_FAULT_PROBABILITY (default 0.1). heal deletes the rules.
set -eu
zf_fault_usage() { echo "Usage: partial-loss.sh inject|heal ZONE [PROBABILITY] [--dir DIR]"; }
zf_here=${0%/*}; [ "$zf_here" != "$0" ] || zf_here=. # dirname without a process
# shellcheck source-path=SCRIPTDIR source=../lib/fault.sh
. "$zf_here/../lib/fault.sh"
zf_fault_args "$@"
zf_need_zone
z=$ZF_TARGET
p=${ZF_EXTRA:-${ZF_FAULT_PROBABILITY:-0.1}}
loss_rule() { # OP(-I|-C|-D) CHAIN IFACE-FLAG(-i|-o): one of the two drop rules
    ip netns exec "zf-$z" iptables -w "$1" "$2" "$3" eth0 -m statistic --mode random \
        --probability "$p" -m comment --comment zf-partial-loss -j DROP
}
if [ "$ZF_ACTION" = inject ]; then
    zf_fault_active "$z" && { zf_fault_done "already injected"; exit 0; }
    [[ $p =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || zf_die 2 "probability must be in 0..1 (got \"$p\")"
    echo "$p" >"$ZF_DIR/loss-$z"
    zf_fault_mark "$z" "$p of packets dropped in zone $z"
    # both rules at once, in one iptables-restore (two iptables calls took 0.3-0.7 s)
    ip netns exec "zf-$z" iptables-restore -w --noflush <<RULES
*filter
-I INPUT -i eth0 -m statistic --mode random --probability $p -m comment --comment zf-partial-loss -j DROP
-I OUTPUT -o eth0 -m statistic --mode random --probability $p -m comment --comment zf-partial-loss -j DROP
COMMIT
RULES
    zf_fault_done "dropping $p"
else
    zf_fault_active "$z" || { zf_fault_done "not injected; nothing to heal"; exit 0; }
    p=$(cat "$ZF_DIR/loss-$z")
    while loss_rule -C INPUT -i 2>/dev/null; do loss_rule -D INPUT -i; done
    while loss_rule -C OUTPUT -o 2>/dev/null; do loss_rule -D OUTPUT -o; done
    rm -f "$ZF_DIR/loss-$z"
    zf_fault_clear "$z"
    zf_fault_done "rules removed"
fi
