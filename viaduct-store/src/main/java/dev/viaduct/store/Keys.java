package dev.viaduct.store;

import java.util.Objects;

/**
 * The store layout (DESIGN.md, "Store layout"), under a configurable prefix (default {@value #DEFAULT_PREFIX}):
 * <pre>
 * PREFIX/config                      cluster config
 * PREFIX/nodes/NAME                  node record, attached to the node's lease
 * PREFIX/ipam/pools/CIDR             pool definitions
 * PREFIX/ipam/blocks/CIDR            blocks
 * PREFIX/ipam/handles/HANDLE         handle: its addresses
 * PREFIX/ipam/gc/HANDLE              garbage collector's sighting of a dead handle
 * PREFIX/ipam/absent/NAME            reclaimer's mark: since when node NAME's record has been absent
 * PREFIX/ipam/reclaimer              the reclaimer's lock, attached to its holder's lease
 * PREFIX/kube/nodes/NAME             a Kubernetes Node as kube-controllers sees it ("deleted": true once deleted)
 * PREFIX/bgp/config                  cluster BGP settings (mesh on/off, default AS, timers)
 * PREFIX/bgp/peers/NAME              BGP peers
 * PREFIX/bgp/nodes/NAME              per-node BGP settings (AS number, route-reflector cluster ID)
 * PREFIX/namespaces/NS               namespace labels
 * PREFIX/pods/NS/POD                 pod labels, node, named container ports
 * PREFIX/policies/NS/NAME            a NetworkPolicy as the Kubernetes API has it
 * </pre>
 * Pods and policies take two segments (namespace, name); {@link #nameIn} gives {@code NS/NAME} for them.
 * A CIDR becomes one path segment with its {@code /} written as {@code -} ({@code 10.244.0.0-26},
 * {@code fd00::-122}, as Calico does), so that every name is exactly one segment after its directory and a
 * prefix listing of a directory never reaches into another. Names must be non-empty and contain no
 * {@code /}, whitespace or control characters.
 */
public record Keys(String prefix) {
    public static final String DEFAULT_PREFIX = "/viaduct/v1";

    public Keys {
        Objects.requireNonNull(prefix, "prefix");
        if (!prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//")
                || prefix.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("prefix: '" + prefix
                    + "' must start with '/', not end with '/', and contain no '//', whitespace or control characters"
                    + " (e.g. " + DEFAULT_PREFIX + ")");
        }
    }

    /** The default layout under {@value #DEFAULT_PREFIX}. */
    public static Keys defaults() {
        return new Keys(DEFAULT_PREFIX);
    }

    public String config() {
        return prefix + "/config";
    }

    /** Directory of node records (ends with '/'). */
    public String nodes() {
        return prefix + "/nodes/";
    }

    public String node(String name) {
        return nodes() + segment("node name", name);
    }

    public String pools() {
        return prefix + "/ipam/pools/";
    }

    public String pool(String cidr) {
        return pools() + cidrSegment(cidr);
    }

    public String blocks() {
        return prefix + "/ipam/blocks/";
    }

    public String block(String cidr) {
        return blocks() + cidrSegment(cidr);
    }

    public String handles() {
        return prefix + "/ipam/handles/";
    }

    public String handle(String handle) {
        return handles() + segment("handle", handle);
    }

    /** Directory of the IPAM garbage collector's sightings of dead handles. */
    public String gcSightings() {
        return prefix + "/ipam/gc/";
    }

    public String gcSighting(String handle) {
        return gcSightings() + segment("handle", handle);
    }

    /** Directory of the reclaimer's marks of nodes whose record is absent. */
    public String nodeAbsences() {
        return prefix + "/ipam/absent/";
    }

    public String nodeAbsence(String node) {
        return nodeAbsences() + segment("node name", node);
    }

    /** The reclaimer's lock: whoever created it (with its lease) runs the reclamation passes. */
    public String reclaimerLock() {
        return prefix + "/ipam/reclaimer";
    }

    /** Directory of Kubernetes Node records written by kube-controllers. */
    public String kubeNodes() {
        return prefix + "/kube/nodes/";
    }

    public String kubeNode(String name) {
        return kubeNodes() + segment("node name", name);
    }

    public String bgpConfig() {
        return prefix + "/bgp/config";
    }

    /** Directory of per-node BGP settings (ends with '/'). */
    public String bgpNodes() {
        return prefix + "/bgp/nodes/";
    }

    public String bgpNode(String name) {
        return bgpNodes() + segment("node name", name);
    }

    /** Everything BGP (config, peers, nodes), for one watch. */
    public String bgp() {
        return prefix + "/bgp/";
    }

    public String bgpPeers() {
        return prefix + "/bgp/peers/";
    }

    public String bgpPeer(String name) {
        return bgpPeers() + segment("BGP peer name", name);
    }

    /** Directory of namespace records (ends with '/'). */
    public String namespaces() {
        return prefix + "/namespaces/";
    }

    public String namespace(String name) {
        return namespaces() + segment("namespace", name);
    }

    /** Directory of pod records, all namespaces (ends with '/'). */
    public String pods() {
        return prefix + "/pods/";
    }

    public String pod(String namespace, String name) {
        return pods() + segment("namespace", namespace) + "/" + segment("pod name", name);
    }

    /** Directory of NetworkPolicy records, all namespaces (ends with '/'). */
    public String policies() {
        return prefix + "/policies/";
    }

    public String policy(String namespace, String name) {
        return policies() + segment("namespace", namespace) + "/" + segment("policy name", name);
    }

    /**
     * The name of {@code key} inside {@code directory} (one of the directory methods above), e.g.
     * {@code nameIn(nodes(), "/viaduct/v1/nodes/n1")} is {@code n1}; CIDR segments are turned back into
     * CIDRs ({@code 10.244.0.0-26} → {@code 10.244.0.0/26}) for the pools and blocks directories.
     */
    public String nameIn(String directory, String key) {
        if (!key.startsWith(directory) || key.length() == directory.length()) {
            throw new IllegalArgumentException("key '" + key + "' is not inside '" + directory + "'");
        }
        String name = key.substring(directory.length());
        return directory.equals(pools()) || directory.equals(blocks()) ? cidrFromSegment(name) : name;
    }

    /** {@code 10.244.0.0/26} → {@code 10.244.0.0-26}. */
    public static String cidrSegment(String cidr) {
        int slash = cidr.lastIndexOf('/');
        if (slash <= 0 || slash == cidr.length() - 1 || cidr.indexOf('/') != slash) {
            throw new IllegalArgumentException("CIDR: '" + cidr + "' is not address/prefix-length");
        }
        return segment("CIDR", cidr.substring(0, slash)) + "-" + cidr.substring(slash + 1);
    }

    /** {@code 10.244.0.0-26} → {@code 10.244.0.0/26}. */
    public static String cidrFromSegment(String segment) {
        int dash = segment.lastIndexOf('-');
        if (dash <= 0) {
            throw new IllegalArgumentException("'" + segment + "' is not a CIDR key segment (address-length)");
        }
        return segment.substring(0, dash) + "/" + segment.substring(dash + 1);
    }

    private static String segment(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException(what + " '" + name + "' contains '" + (c == '/' ? "/" : "\\u"
                        + String.format("%04x", (int) c)) + "' at " + i + ": not allowed in a key segment");
            }
        }
        return name;
    }
}
