package dev.viaduct.netlink;

import java.time.Duration;
import java.util.Objects;

/**
 * One change to a namespace's network configuration, as a value: what {@link Rtnl#execute(java.util.List)}
 * batches and what an error names. {@link #toString()} is the operation in {@code ip} syntax
 * ({@code route add 10.244.1.0/24 via 10.168.0.3}).
 */
public sealed interface Request {

    record AddLink(LinkSpec spec) implements Request {
        public AddLink {
            Objects.requireNonNull(spec, "spec");
        }

        @Override
        public String toString() {
            return "link add " + spec.name() + " type " + switch (spec) {
                case LinkSpec.Veth v -> "veth peer " + v.peer().name();
                case LinkSpec.Bridge b -> "bridge";
                case LinkSpec.Vxlan x -> "vxlan id " + x.vni();
                case LinkSpec.Ipip i -> "ipip";
            };
        }
    }

    record UpdateLink(int index, LinkUpdate update) implements Request {
        public UpdateLink {
            Objects.requireNonNull(update, "update");
        }

        @Override
        public String toString() {
            return "link set #" + index + " " + update;
        }
    }

    record DeleteLink(int index) implements Request {
        @Override
        public String toString() {
            return "link del #" + index;
        }
    }

    /**
     * {@code ip link del group <group>}: every link of the device group goes in one request, so the kernel's
     * unregistration waits (synchronize_net, rcu_barrier in net/core/dev.c) are paid once for all of them. The
     * kernel refuses group 0 (EPERM) and answers ENODEV when no link is in the group (rtnl_group_dellink).
     */
    record DeleteLinkGroup(int group) implements Request {
        public DeleteLinkGroup {
            if (group == 0) {
                throw new IllegalArgumentException("group 0 is every link's default group; the kernel refuses to delete it");
            }
        }

        @Override
        public String toString() {
            return "link del group " + Integer.toUnsignedString(group);
        }
    }

    /** {@code ip link set dev <name> up}: RTM_SETLINK finding the link by IFLA_IFNAME. */
    record SetUpByName(String name) implements Request {
        public SetUpByName {
            LinkSettings.validateName(name);
        }

        @Override
        public String toString() {
            return "link set " + name + " up";
        }
    }

    /** {@code ip link del dev <name>}. */
    record DeleteLinkByName(String name) implements Request {
        public DeleteLinkByName {
            LinkSettings.validateName(name);
        }

        @Override
        public String toString() {
            return "link del " + name;
        }
    }

    record AddAddress(Address address) implements Request {
        public AddAddress {
            Objects.requireNonNull(address, "address");
        }

        @Override
        public String toString() {
            return "address add " + address;
        }
    }

    /** {@code ip address replace}: add, or update flags/lifetimes of an existing address. */
    record ReplaceAddress(Address address) implements Request {
        public ReplaceAddress {
            Objects.requireNonNull(address, "address");
        }

        @Override
        public String toString() {
            return "address replace " + address;
        }
    }

    record DeleteAddress(Address address) implements Request {
        public DeleteAddress {
            Objects.requireNonNull(address, "address");
        }

        @Override
        public String toString() {
            return "address del " + address;
        }
    }

    record AddRoute(Route route) implements Request {
        public AddRoute {
            Objects.requireNonNull(route, "route");
        }

        @Override
        public String toString() {
            return "route add " + route;
        }
    }

    /** {@code ip route replace}: add, or replace the route with the same destination, table, tos and metric. */
    record ReplaceRoute(Route route) implements Request {
        public ReplaceRoute {
            Objects.requireNonNull(route, "route");
        }

        @Override
        public String toString() {
            return "route replace " + route;
        }
    }

    /**
     * {@code ip route del}: matches destination, table, type, metric, and (when set) protocol, gateway and
     * device; any scope. Passing a route read from a dump deletes exactly that route.
     */
    record DeleteRoute(Route route) implements Request {
        public DeleteRoute {
            Objects.requireNonNull(route, "route");
        }

        @Override
        public String toString() {
            return "route del " + route;
        }
    }

    record AddNeighbour(Neighbour neighbour) implements Request {
        public AddNeighbour {
            Objects.requireNonNull(neighbour, "neighbour");
        }

        @Override
        public String toString() {
            return (neighbour.family() == AddressFamily.BRIDGE ? "" : "neigh ") + "add " + neighbour;
        }
    }

    record ReplaceNeighbour(Neighbour neighbour) implements Request {
        public ReplaceNeighbour {
            Objects.requireNonNull(neighbour, "neighbour");
        }

        @Override
        public String toString() {
            return (neighbour.family() == AddressFamily.BRIDGE ? "" : "neigh ") + "replace " + neighbour;
        }
    }

    /**
     * {@code ip neigh append} / {@code bridge fdb append}: NLM_F_APPEND, which for a VXLAN all-zeros FDB
     * entry adds one more remote (head-end replication) instead of replacing the first.
     */
    record AppendNeighbour(Neighbour neighbour) implements Request {
        public AppendNeighbour {
            Objects.requireNonNull(neighbour, "neighbour");
        }

        @Override
        public String toString() {
            return (neighbour.family() == AddressFamily.BRIDGE ? "" : "neigh ") + "append " + neighbour;
        }
    }

    record DeleteNeighbour(Neighbour neighbour) implements Request {
        public DeleteNeighbour {
            Objects.requireNonNull(neighbour, "neighbour");
        }

        @Override
        public String toString() {
            return (neighbour.family() == AddressFamily.BRIDGE ? "" : "neigh ") + "del " + neighbour;
        }
    }

    /**
     * RTM_SETNEIGHTBL for one device: its neighbour table's {@code proxy_delay}
     * ({@code net.ipv4.neigh.<dev>.proxy_delay}, in ms on the wire), the delay before answering proxy ARP.
     *
     * @param family  INET (table "arp_cache") or INET6 ("ndisc_cache")
     * @param ifindex the device; its table parameters exist once it has IPv4/IPv6 configuration
     */
    record SetProxyDelay(AddressFamily family, int ifindex, Duration delay) implements Request {
        public SetProxyDelay {
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(delay, "delay");
            if (family != AddressFamily.INET && family != AddressFamily.INET6) {
                throw new IllegalArgumentException("neighbour tables exist for INET and INET6, not " + family);
            }
            if (ifindex <= 0) {
                throw new IllegalArgumentException("proxy_delay needs a device index, got " + ifindex);
            }
            if (delay.isNegative()) {
                throw new IllegalArgumentException("proxy_delay " + delay + " is negative");
            }
        }

        @Override
        public String toString() {
            return "ntable change name " + (family == AddressFamily.INET ? "arp_cache" : "ndisc_cache") + " dev #"
                    + ifindex + " proxy_delay " + delay.toMillis();
        }
    }
}
