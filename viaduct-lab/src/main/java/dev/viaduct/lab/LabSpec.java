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
 */
public record LabSpec(String name, int nodes, int podsPerNode, String subnetBase, String podCidr, int blockSize,
        String mode, boolean portmap) {
    public LabSpec {
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
    }

    public static LabSpec defaults(String name) {
        return new LabSpec(name, 3, 2, "10.168.0", "10.244.0.0/16", 26, "host-gw", false);
    }

    public LabSpec withNodes(int n) {
        return new LabSpec(name, n, podsPerNode, subnetBase, podCidr, blockSize, mode, portmap);
    }

    public LabSpec withPodsPerNode(int n) {
        return new LabSpec(name, nodes, n, subnetBase, podCidr, blockSize, mode, portmap);
    }

    public LabSpec withSubnetBase(String s) {
        return new LabSpec(name, nodes, podsPerNode, s, podCidr, blockSize, mode, portmap);
    }

    public LabSpec withPortmap(boolean p) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, podCidr, blockSize, mode, p);
    }

    public LabSpec withPodCidr(String cidr, int block) {
        return new LabSpec(name, nodes, podsPerNode, subnetBase, cidr, block, mode, portmap);
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

    public String nodeAddress(int i) {
        return subnetBase + "." + (10 + i);
    }

    public String etcdEndpoint() {
        return "http://" + etcdAddress() + ":2379";
    }
}
