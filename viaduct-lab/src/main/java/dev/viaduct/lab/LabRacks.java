package dev.viaduct.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * How a lab's nodes are spread over racks, and the names and addresses of each rack's parts. Pure (computed
 * from the {@link LabSpec}).
 *
 * <pre>
 *   rack r (1..R): bridge br{r-1} in the switch namespace, subnet a.b.(c+r-1).0/24
 *                  router leg eth{r-1} in namespace rt, address .1   (only when R &gt; 1)
 *   rack 1 also:   etcd (.2) and the root namespace's leg (.254)
 *   node i:        rack ((i-1)·R / N) + 1, address .(10+i), default route via its rack's .1
 * </pre>
 * The router forwards between the racks' subnets and knows nothing else: no pod routes, no default route, so
 * pod traffic that reaches it unencapsulated is dropped, as a cloud VPC drops unknown destinations. Each rack's
 * gateway is one {@link Rack} record; a later per-rack router namespace (a BIRD ToR for BGP mode) replaces the
 * shared router's leg by giving each rack its own gateway namespace while nodes keep using {@code .1}.
 */
public record LabRacks(LabSpec spec) {
    /** One rack: its number, L2 segment (bridge in the switch namespace) and subnet. */
    public record Rack(int number, String bridge, String subnetBase, String gateway, String routerLeg) {
        public String cidr() {
            return subnetBase + ".0/24";
        }

        /** The rack's IPv6 /64 in dual-stack labs. */
        public String cidrV6() {
            return LabSpec.v6Subnet(subnetBase) + "::/64";
        }

        /** The rack router's IPv6 leg ({@code ::1}) in dual-stack labs. */
        public String gatewayV6() {
            return LabSpec.v6Subnet(subnetBase) + "::1";
        }
    }

    public int count() {
        return spec.racks();
    }

    /** Whether the lab has a router namespace (more than one rack). */
    public boolean routed() {
        return spec.racks() > 1;
    }

    /** The rack of node {@code i} (1-based): nodes fill racks in order, as evenly as the counts allow. */
    public int rackOf(int i) {
        if (spec.racks() <= 1) {
            return 1;
        }
        return (i - 1) * spec.racks() / spec.nodes() + 1;
    }

    /** The first three octets of rack {@code r}'s /24. */
    public String subnet(int r) {
        String base = spec.subnetBase();
        int dot = base.lastIndexOf('.');
        return base.substring(0, dot + 1) + (Integer.parseInt(base.substring(dot + 1)) + r - 1);
    }

    public Rack rack(int r) {
        return new Rack(r, "br" + (r - 1), subnet(r), subnet(r) + ".1", "eth" + (r - 1));
    }

    public List<Rack> racks() {
        List<Rack> out = new ArrayList<>();
        for (int r = 1; r <= spec.racks(); r++) {
            out.add(rack(r));
        }
        return out;
    }

    /** The router namespace joining the racks. */
    public String routerNs() {
        return spec.prefix() + "rt";
    }

    /** Rack r's top-of-rack router namespace (BIRD, BGP racks only); the spine then is {@link #routerNs}. */
    public String torNs(int r) {
        return spec.prefix() + "tor" + r;
    }
}
