#!/usr/bin/env bash
# Prepares the namespace the golden fixtures were captured in (Linux 6.18, iproute2 6.1), then captures them:
#   bash prepare.sh <namespace> && java -cp <classes>:<test-classes> dev.viaduct.netlink.GoldenCapture <namespace> <this dir>
# Each .hex file holds the kernel's reply datagrams, one per line.
set -euo pipefail
N=$1
ip netns add "$N"
ip -n "$N" link set lo up
ip -n "$N" link add r0 type veth peer name r0p          # r0p = 2, r0 = 3
ip -n "$N" link set r0 address 02:00:00:00:00:10
ip -n "$N" link set r0 up; ip -n "$N" link set r0p up
ip -n "$N" addr add 10.1.0.1/24 dev r0; ip -n "$N" addr add fd00:1::1/64 dev r0 nodad
ip -n "$N" link add r1 type veth peer name r1p          # r1p = 4, r1 = 5
ip -n "$N" link set r1 up; ip -n "$N" link set r1p up
ip -n "$N" addr add 10.2.0.1/24 dev r1; ip -n "$N" addr add fd00:2::1/64 dev r1 nodad
ip -n "$N" route add 10.244.1.0/24 via 10.1.0.2 proto 86
ip -n "$N" route add 10.244.0.7/32 dev r1 scope link proto 86 src 10.2.0.1 metric 42
ip -n "$N" route add 10.60.0.0/16 proto 86 nexthop via 10.1.0.2 dev r0 weight 1 nexthop via 10.2.0.2 dev r1 weight 3
ip -n "$N" route add blackhole 10.250.0.0/16 proto 86
ip -n "$N" route add 10.244.2.0/24 via 10.244.2.0 dev r1 onlink proto 86
ip -n "$N" -6 route add fd00:60::/64 proto 86 nexthop via fd00:1::2 dev r0 nexthop via fd00:2::2 dev r1
ip -n "$N" -6 route add unreachable fd00:244::/48 proto 86
ip -n "$N" link add vx0 type vxlan id 42 local 10.1.0.1 dev r0 dstport 4789 nolearning   # vx0 = 6
ip -n "$N" link set vx0 address 66:00:00:00:00:01 mtu 1450 up
bridge -n "$N" fdb add 66:00:00:00:00:02 dev vx0 dst 10.1.0.2 self permanent
bridge -n "$N" fdb append 00:00:00:00:00:00 dev vx0 dst 10.1.0.3 self permanent

# request-ipip-iproute2.hex is not a kernel reply but the request iproute2 6.1 sends (captured with
# `strace -e write=3 ip link add tunl1 mtu 1480 type ipip local 10.1.0.1 ttl 64`), to check the library's
# ipip encoding on kernels without ipip.
