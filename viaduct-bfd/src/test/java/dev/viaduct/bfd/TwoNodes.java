package dev.viaduct.bfd;

import static dev.viaduct.bfd.Loopback.ip;

import dev.viaduct.testsupport.Netns;
import java.net.InetAddress;
import java.nio.file.Path;

/**
 * Two network namespaces joined by a veth pair, like two nodes on one L2 segment: {@code va} in A and
 * {@code vb} in B, with IPv4 10.201.0.1/.2, IPv6 fd00:bfd::1/::2 and link-local fe80::a/fe80::b (all without
 * duplicate address detection so they are usable at once). Removed by the {@link Netns} fixture.
 */
final class TwoNodes {
    static final InetAddress A4 = ip("10.201.0.1");
    static final InetAddress B4 = ip("10.201.0.2");
    static final InetAddress A6 = ip("fd00:bfd::1");
    static final InetAddress B6 = ip("fd00:bfd::2");
    static final InetAddress A_LL = ip("fe80::a");
    static final InetAddress B_LL = ip("fe80::b");

    final Netns fixture;
    final String a;
    final String b;

    private TwoNodes(Netns fixture, String a, String b) {
        this.fixture = fixture;
        this.a = a;
        this.b = b;
    }

    static TwoNodes create(Netns fixture) {
        String a = fixture.create("bfd-a");
        String b = fixture.create("bfd-b");
        fixture.execOk(a, "ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b);
        for (String[] side : new String[][] {{a, "va", "10.201.0.1", "fd00:bfd::1", "fe80::a"}, {b, "vb", "10.201.0.2", "fd00:bfd::2", "fe80::b"}}) {
            fixture.execOk(side[0], "sysctl", "-qw", "net.ipv6.conf." + side[1] + ".accept_dad=0");
            fixture.execOk(side[0], "ip", "addr", "add", side[2] + "/24", "dev", side[1]);
            fixture.execOk(side[0], "ip", "-6", "addr", "add", side[3] + "/64", "dev", side[1], "nodad");
            fixture.execOk(side[0], "ip", "-6", "addr", "add", side[4] + "/64", "dev", side[1], "nodad");
            fixture.execOk(side[0], "ip", "link", "set", side[1], "up");
        }
        return new TwoNodes(fixture, a, b);
    }

    Path pathA() {
        return Netns.path(a);
    }

    Path pathB() {
        return Netns.path(b);
    }

    /** Drops every BFD control packet {@code ns} sends (nftables output hook): the node looks frozen to its peers. */
    void silence(String ns) {
        fixture.execOk(ns, "nft", "add", "table", "inet", "vtbfd");
        fixture.execOk(ns, "nft", "add", "chain", "inet", "vtbfd", "out", "{ type filter hook output priority 0; }");
        fixture.execOk(ns, "nft", "add", "rule", "inet", "vtbfd", "out", "udp", "dport", "3784", "drop");
    }

    void unsilence(String ns) {
        fixture.execOk(ns, "nft", "delete", "table", "inet", "vtbfd");
    }
}
