package dev.viaduct.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * BGP in the lab: the store records that shape the topology, written before any agent starts, and BIRD
 * configurations for the racks' top-of-rack routers and the spine.
 *
 * <pre>
 *   full mesh (default)     every node peers with every other node, iBGP AS 64512
 *   --rr N                  mesh off; nodes n1..nN are route reflectors (cluster 1.0.0.1, label
 *                           routeReflector=true); every node peers with the reflectors (peer selector)
 *   --racks R --tor bird    AS per rack: nodes of rack r are AS 65000+r, iBGP among themselves (peer selector
 *                           rack == 'r&lt;r&gt;'); eBGP to their rack's BIRD ToR (AS 65100+r, the rack's .1);
 *                           ToRs eBGP to a BIRD spine (AS 65200)
 * </pre>
 * Timers are short so tests see failures quickly: hold time 9 s, graceful-restart time 15 s (enough for an
 * agent restart, short enough that a removed node's routes age out of the ToRs).
 * Pure text generation; {@link Lab} runs the commands.
 */
final class LabBgp {
    static final long SPINE_AS = 65200;

    private LabBgp() {
    }

    static long nodeAs(int rack) {
        return 65000 + rack;
    }

    static long torAs(int rack) {
        return 65100 + rack;
    }

    /** Key/value pairs to put into etcd (prefix /viaduct/v1) before the agents start. */
    static List<String[]> storeRecords(LabSpec spec, LabRacks racks) {
        List<String[]> kv = new ArrayList<>();
        String p = "/viaduct/v1/bgp/";
        if (spec.routeReflectors() > 0) {
            kv.add(new String[] {p + "config", "{\"nodeToNodeMesh\":false,\"holdTime\":9,\"gracefulRestartSeconds\":15}"});
            for (int i = 1; i <= spec.routeReflectors(); i++) {
                kv.add(new String[] {p + "nodes/" + spec.nodeName(i), "{\"routeReflectorClusterId\":\"1.0.0.1\"}"});
            }
            kv.add(new String[] {p + "peers/to-reflectors", "{\"nodeSelector\":\"all()\",\"peerSelector\":\"has(routeReflector)\"}"});
        } else if ("bird".equals(spec.tor())) {
            kv.add(new String[] {p + "config", "{\"nodeToNodeMesh\":false,\"holdTime\":9,\"gracefulRestartSeconds\":15}"});
            for (LabRacks.Rack r : racks.racks()) {
                String rack = "r" + r.number();
                kv.add(new String[] {p + "peers/tor-" + rack, "{\"address\":\"" + r.gateway() + "\",\"asn\":" + torAs(r.number())
                        + ",\"nodeSelector\":\"rack == '" + rack + "'\"}"});
                kv.add(new String[] {p + "peers/rack-" + rack, "{\"nodeSelector\":\"rack == '" + rack
                        + "'\",\"peerSelector\":\"rack == '" + rack + "'\"}"});
            }
            for (int i = 1; i <= spec.nodes(); i++) {
                kv.add(new String[] {p + "nodes/" + spec.nodeName(i), "{\"asn\":" + nodeAs(racks.rackOf(i)) + "}"});
            }
        } else {
            kv.add(new String[] {p + "config", "{\"nodeToNodeMesh\":true,\"holdTime\":9,\"gracefulRestartSeconds\":15}"});
        }
        return kv;
    }

    /** Labels a node's agent config carries in BGP labs. */
    static List<String> labels(LabSpec spec, LabRacks racks, int i) {
        List<String> l = new ArrayList<>();
        l.add("rack: r" + racks.rackOf(i));
        if (!"bgp".equals(spec.mode())) {
            return l;
        }
        if (i <= spec.routeReflectors()) {
            l.add("routeReflector: \"true\"");
        }
        return l;
    }

    /** The spine's side of the point-to-point link to rack r's ToR: 10.255.r.0/31, ToR .1. */
    static String spineAddress(LabSpec spec, int r) {
        return uplinkBase(spec) + "." + (2 * r - 2);
    }

    static String torUplinkAddress(LabSpec spec, int r) {
        return uplinkBase(spec) + "." + (2 * r - 1);
    }

    /** Dual-stack: the spine's side of the IPv6 /127 to rack r's ToR, in the uplink /24's twin /64. */
    static String spineAddressV6(LabSpec spec, int r) {
        return LabSpec.v6Subnet(uplinkBase(spec)) + "::" + (2 * r);
    }

    static String torUplinkAddressV6(LabSpec spec, int r) {
        return LabSpec.v6Subnet(uplinkBase(spec)) + "::" + (2 * r + 1);
    }

    private static String uplinkBase(LabSpec spec) {
        // a /24 next to the racks' subnets: a.b.(c+50)
        String base = spec.subnetBase();
        int dot = base.lastIndexOf('.');
        return base.substring(0, dot + 1) + ((Integer.parseInt(base.substring(dot + 1)) + 50) % 256);
    }

    static String spineNetwork(LabSpec spec) {
        return uplinkBase(spec) + ".0/24";
    }

    /**
     * BIRD 2 configuration of rack r's ToR. Dual-stack: an IPv6 channel on the same (IPv4) sessions, with the
     * ToR's own IPv6 address of that link as next hop (RFC 2545 §3: the next hop must be an IPv6 address the
     * receiver can reach; BIRD would otherwise have no IPv6 address of an IPv4 session to use).
     */
    static String torConfig(LabSpec spec, LabRacks racks, LabRacks.Rack rack) {
        boolean v6 = spec.ipv6();
        StringBuilder b = new StringBuilder();
        b.append("# generated by viaduct lab ").append(spec.name()).append(": ToR of rack ").append(rack.number()).append('\n');
        b.append("log stderr all;\n");
        b.append("router id ").append(rack.gateway()).append(";\n");
        b.append("protocol device { }\n");
        // the rack's subnet goes to the spine (etcd and the lab host are reached across racks); never to nodes
        b.append("protocol direct { ipv4; ").append(v6 ? "ipv6; " : "").append("interface \"eth0\"; }\n");
        b.append("protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; merge paths on; }\n");
        if (v6) {
            b.append("protocol kernel { ipv6 { import none; export where source = RTS_BGP; }; merge paths on; }\n");
        }
        // nodes get pod routes only (the racks' subnets are the fabric's business: nodes use their default route)
        b.append("filter to_nodes { if source = RTS_BGP && net ~ [ ").append(spec.podCidr())
                .append("+ ] then accept; reject; }\n");
        if (v6) {
            b.append("filter to_nodes6 { if source = RTS_BGP && net ~ [ ").append(LabSpec.POD_CIDR_V6)
                    .append("+ ] then accept; reject; }\n");
        }
        b.append("template bgp node {\n  local as ").append(torAs(rack.number())).append(";\n  hold time 9;\n")
                .append("  graceful restart on;\n  ipv4 { import all; export filter to_nodes; next hop self; };\n");
        if (v6) {
            b.append("  ipv6 { import all; export filter to_nodes6; next hop self; next hop address ").append(rack.gatewayV6())
                    .append("; };\n");
        }
        b.append("}\n");
        for (int i = 1; i <= spec.nodes(); i++) {
            if (racks.rackOf(i) == rack.number()) {
                b.append("protocol bgp ").append(spec.nodeName(i)).append(" from node { neighbor ")
                        .append(spec.nodeAddress(i)).append(" as ").append(nodeAs(rack.number())).append("; }\n");
            }
        }
        b.append("protocol bgp spine {\n  local as ").append(torAs(rack.number())).append(";\n  hold time 9;\n")
                .append("  neighbor ").append(spineAddress(spec, rack.number())).append(" as ").append(SPINE_AS).append(";\n")
                .append("  ipv4 { import all; export all; next hop self; };\n");
        if (v6) {
            b.append("  ipv6 { import all; export all; next hop self; next hop address ")
                    .append(torUplinkAddressV6(spec, rack.number())).append("; };\n");
        }
        b.append("}\n");
        return b.toString();
    }

    /** BIRD 2 configuration of the spine (dual-stack: an IPv6 channel too, next hop its side of each uplink). */
    static String spineConfig(LabSpec spec, LabRacks racks) {
        boolean v6 = spec.ipv6();
        StringBuilder b = new StringBuilder();
        b.append("# generated by viaduct lab ").append(spec.name()).append(": spine\n");
        b.append("log stderr all;\nrouter id ").append(spineAddress(spec, 1)).append(";\n");
        b.append("protocol device { }\n");
        b.append("protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; merge paths on; }\n");
        if (v6) {
            b.append("protocol kernel { ipv6 { import none; export where source = RTS_BGP; }; merge paths on; }\n");
        }
        for (LabRacks.Rack r : racks.racks()) {
            b.append("protocol bgp tor").append(r.number()).append(" {\n  local as ").append(SPINE_AS).append(";\n  hold time 9;\n")
                    .append("  neighbor ").append(torUplinkAddress(spec, r.number())).append(" as ").append(torAs(r.number()))
                    .append(";\n  ipv4 { import all; export all; next hop self; };\n");
            if (v6) {
                b.append("  ipv6 { import all; export all; next hop self; next hop address ")
                        .append(spineAddressV6(spec, r.number())).append("; };\n");
            }
            b.append("}\n");
        }
        return b.toString();
    }

    static Path writeConfig(Path dir, String name, String text) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve(name + ".conf");
        Files.writeString(f, text);
        return f;
    }
}
