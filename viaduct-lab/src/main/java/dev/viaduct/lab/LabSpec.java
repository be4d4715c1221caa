package dev.viaduct.lab;

/**
 * The shape of a lab.
 *
 * @param name        short name (namespaces are {@code vl<name>-...}); 1..6 lower-case letters/digits
 * @param nodes       number of nodes
 * @param podsPerNode pods created at {@code up}
 * @param subnetBase  the first three octets of rack 1's /24 (rack r uses third octet + r - 1), e.g. "10.168.0"
 * @param podCidr     the pod pool
 * @param blockSize   IPAM block prefix length
 * @param mode        cluster mode ({@code host-gw})
 * @param portmap     chain the reference portmap plugin after Viaduct
 * @param racks       L2 segments (1..8): each rack is its own bridge and /24; with more than one, a router
 *                    namespace joins them (see {@link LabRacks}); nodes are spread over the racks in order
 * @param vxlanMode   the pod pool's vxlanMode ({@code Never}, {@code CrossSubnet}, {@code Always})
 * @param ipipMode    the pod pool's ipipMode
 * @param natOutgoing the pod pool's natOutgoing
 *                    (racks and natOutgoing are boxed: state files written before they existed lack them)
 * @param tor             BGP mode: {@code bird} puts a BIRD top-of-rack router on each rack (replacing the
 *                        plain router) and a BIRD spine between them; {@code none} (default) otherwise
 * @param routeReflectors BGP mode: nodes n1..nN are route reflectors and the node-to-node mesh is off
 * @param ipv6            dual-stack: every segment also carries an IPv6 /64 ({@link #v6Subnet}), nodes get an
 *                        IPv6 address beside their IPv4 one, and pods an address from {@link #POD_CIDR_V6} too
 * @param image           empty: agents run as processes of this JVM's class path; otherwise a container image
 *                        (e.g. {@code localhost/viaduct:dev}) whose node pod the lab runs on every node with podman,
 *                        as deploy/kubernetes/viaduct.yaml's DaemonSet describes it (see {@link LabContainers})
 */
public record LabSpec(String name, int nodes, int podsPerNode, String subnetBase, String podCidr, int blockSize,
        String mode, boolean portmap, Integer racks, String vxlanMode, String ipipMode, Boolean natOutgoing,
        String tor, Integer routeReflectors, Boolean ipv6, String image) {
    /** The IPv6 pod pool of dual-stack labs (blocks of /122, the agent's default). */
    public static final String POD_CIDR_V6 = "fd00:244::/112";

    /** IPv4 only, agents as processes (no image). */
    public LabSpec(String name, int nodes, int podsPerNode, String subnetBase, String podCidr, int blockSize,
            String mode, boolean portmap, Integer racks, String vxlanMode, String ipipMode, Boolean natOutgoing,
            String tor, Integer routeReflectors) {
        this(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, racks, vxlanMode, ipipMode, natOutgoing,
                tor, routeReflectors, false, "");
    }

    /** Without BGP topology options (no ToR, no reflectors). */
    public LabSpec(String name, int nodes, int podsPerNode, String subnetBase, String podCidr, int blockSize,
            String mode, boolean portmap, Integer racks, String vxlanMode, String ipipMode, Boolean natOutgoing) {
        this(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, racks, vxlanMode, ipipMode, natOutgoing,
                "none", 0);
    }

    /** One rack, no overlay, no NAT. */
    public LabSpec(String name, int nodes, int podsPerNode, String subnetBase, String podCidr, int blockSize, String mode,
            boolean portmap) {
        this(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, 1, "Never", "Never", false);
    }

    public LabSpec {
        // state files written before racks and overlays existed have neither
        racks = racks == null ? 1 : racks;
        tor = tor == null ? "none" : tor;
        routeReflectors = routeReflectors == null ? 0 : routeReflectors;
        ipv6 = ipv6 != null && ipv6;
        image = image == null ? "" : image;
        if (!image.isEmpty() && !image.matches("[a-zA-Z0-9][a-zA-Z0-9._/:@-]*")) {
            throw new IllegalArgumentException("image '" + image + "' is not an image reference (e.g. localhost/viaduct:dev)");
        }
        if (!tor.equals("none") && !tor.equals("bird")) {
            throw new IllegalArgumentException("tor '" + tor + "' must be none or bird");
        }
        if ((tor.equals("bird") || routeReflectors > 0) && !"bgp".equals(mode)) {
            throw new IllegalArgumentException("--tor and --rr need --mode bgp");
        }
        if (routeReflectors < 0 || routeReflectors > nodes) {
            throw new IllegalArgumentException("route reflectors: " + routeReflectors + " is out of range 0.." + nodes);
        }
        if (tor.equals("bird") && racks < 2) {
            throw new IllegalArgumentException("--tor bird needs --racks 2 or more (one ToR per rack, a spine between them)");
        }
        if (tor.equals("bird") && routeReflectors > 0) {
            throw new IllegalArgumentException("choose either BIRD ToRs or route reflectors");
        }
        natOutgoing = natOutgoing != null && natOutgoing;
        vxlanMode = vxlanMode == null ? "Never" : vxlanMode;
        ipipMode = ipipMode == null ? "Never" : ipipMode;
        if (racks < 1 || racks > 8) {
            throw new IllegalArgumentException("racks: " + racks + " is out of range 1..8");
        }
        for (String m : new String[] {vxlanMode, ipipMode}) {
            if (!m.equals("Never") && !m.equals("CrossSubnet") && !m.equals("Always")) {
                throw new IllegalArgumentException("overlay mode '" + m + "' must be Never, CrossSubnet or Always");
            }
        }
        if (!vxlanMode.equals("Never") && !ipipMode.equals("Never")) {
            throw new IllegalArgumentException("vxlan " + vxlanMode + " and ipip " + ipipMode + ": enable at most one encapsulation");
        }
        if (!name.matches("[a-z0-9]{1,6}")) {
            throw new IllegalArgumentException("lab name '" + name + "' must be 1..6 lower-case letters or digits");
        }
        if (nodes < 1 || nodes > 60) {
            throw new IllegalArgumentException("nodes: " + nodes + " is out of range 1..60");
        }
        if (podsPerNode < 0 || podsPerNode > 100) {
            throw new IllegalArgumentException("pods per node: " + podsPerNode + " is out of range 0..100");
        }
        if (!subnetBase.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            throw new IllegalArgumentException("subnet base '" + subnetBase + "' must be three octets, e.g. 10.168.0");
        }
        if (Integer.parseInt(subnetBase.substring(subnetBase.lastIndexOf('.') + 1)) + racks - 1 > 255) {
            throw new IllegalArgumentException("subnet base '" + subnetBase + "' leaves no room for " + racks + " racks' /24s");
        }
    }

    public static LabSpec defaults(String name) {
        return new LabSpec(name, 3, 2, "10.168.0", "10.244.0.0/16", 26, "host-gw", false);
    }

    public LabSpec withNodes(int n) {
        return new LabSpec(name, n, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, racks, vxlanMode, ipipMode, natOutgoing, tor, routeReflectors, ipv6, image);
    }

    public LabSpec withPodsPerNode(int n) {
        return new LabSpec(name, nodes, n, subnetBase, podCidr, blockSize, mode, portmap, racks, vxlanMode, ipipMode, natOutgoing, tor, routeReflectors, ipv6, image);
    }

    public LabSpec withSubnetBase(String s) {
        return new LabSpec(name, nodes, podsPerNode, s, podCidr, blockSize, mode, portmap, racks, vxlanMode, ipipMode, natOutgoing, tor, routeReflectors, ipv6, image);
    }

    public LabSpec withPortmap(boolean p) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, p, racks, vxlanMode, ipipMode, natOutgoing, tor, routeReflectors, ipv6, image);
    }

    public LabSpec withPodCidr(String cidr, int block) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, cidr, block, mode, portmap, racks, vxlanMode, ipipMode, natOutgoing, tor, routeReflectors, ipv6, image);
    }

    /** The same lab spread over {@code r} racks. */
    public LabSpec withRacks(int r) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, r, vxlanMode, ipipMode,
                natOutgoing, tor, routeReflectors, ipv6, image);
    }

    /** The pod pool's overlay and NAT settings. */
    public LabSpec withOverlay(String vxlan, String ipip, boolean nat) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, racks, vxlan, ipip, nat, tor, routeReflectors, ipv6, image);
    }

    /** The cluster mode ({@code host-gw} or {@code bgp}). */
    public LabSpec withMode(String m) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, m, portmap, racks, vxlanMode, ipipMode,
                natOutgoing, tor, routeReflectors, ipv6, image);
    }

    /** BGP topology: BIRD ToRs ({@code bird}) or {@code none}, and the number of route reflectors. */
    public LabSpec withBgp(String t, int rr) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, racks, vxlanMode, ipipMode,
                natOutgoing, t, rr, ipv6, image);
    }

    /** The same lab with its nodes' pods run from a container image ({@code ""}: agents as processes). */
    public LabSpec withImage(String i) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, racks, vxlanMode, ipipMode,
                natOutgoing, tor, routeReflectors, ipv6, i);
    }

    /** Whether the nodes run the manifest's pod from {@link #image} (podman) instead of agent processes. */
    public boolean imageMode() {
        return !image.isEmpty();
    }

    /** The same lab, dual-stack or IPv4 only. */
    public LabSpec withIpv6(boolean v6) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap, racks, vxlanMode, ipipMode,
                natOutgoing, tor, routeReflectors, v6, image);
    }

    /**
     * The IPv6 /64 that sits beside an IPv4 /24 {@code a.b.c} in dual-stack labs: {@code fd00:a:b:c::/64}, the
     * octets written as they read in decimal (valid hex digits, and unique per /24), so {@code 10.168.0.11}'s twin
     * is {@code fd00:10:168:0::11}.
     */
    public static String v6Subnet(String threeOctets) {
        return "fd00:" + threeOctets.replace('.', ':');
    }

    /** The racks, their subnets and router. */
    public LabRacks rackLayout() {
        return new LabRacks(this);
    }

    /** Namespace name prefix of everything this lab creates. */
    public String prefix() {
        return "vl" + name + "-";
    }

    public String switchNs() {
        return prefix() + "sw";
    }

    public String etcdNs() {
        return prefix() + "etcd";
    }

    public String nodeNs(String node) {
        return prefix() + node;
    }

    public String podNs(String node, String pod) {
        return prefix() + node + "-" + pod;
    }

    public String nodeName(int i) {
        return "n" + i;
    }

    /** The root namespace's leg into the segment (so the lab tool can reach etcd and the agents). */
    public String hostLink() {
        return "vl" + name + "h";
    }

    public String gatewayAddress() {
        return subnetBase + ".1";
    }

    public String hostAddress() {
        return subnetBase + ".254";
    }

    public String etcdAddress() {
        return subnetBase + ".2";
    }

    /** Node i's address: host part 10 + i in its rack's /24 (so addresses stay unique across racks). */
    public String nodeAddress(int i) {
        return rackLayout().subnet(rackLayout().rackOf(i)) + "." + (10 + i);
    }

    /** Node i's IPv6 address in dual-stack labs: the twin of {@link #nodeAddress} in its rack's /64. */
    public String nodeAddressV6(int i) {
        return v6Subnet(rackLayout().subnet(rackLayout().rackOf(i))) + "::" + (10 + i);
    }

    public String etcdAddressV6() {
        return v6Subnet(subnetBase) + "::2";
    }

    public String etcdEndpoint() {
        return "http://" + etcdAddress() + ":2379";
    }
}
