package dev.viaduct.policy.compile;

import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.nft.Ruleset;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Compiles the cluster's policies into one node's nftables table for the pods on that node.
 *
 * <p>Layout of table {@code inet viaduct-policy} (all on the forward hook: pod traffic is routed, never
 * bridged, so every packet to or from a pod crosses the host's forward path through the pod's host veth):
 * <pre>
 * chain egress  (hook forward priority 0)   iifname vmap @egress-pods    host veth → pod-eg_&lt;veth&gt;
 * chain ingress (hook forward priority 1)   oifname vmap @ingress-pods   host veth → pod-in_&lt;veth&gt;
 * chain pod-in_&lt;veth&gt;    ct state established,related accept; ct state invalid drop;
 *                        own node's addresses accept; jump pol-in_&lt;ns&gt;_&lt;policy&gt; (each selecting policy);
 *                        counter name drop-in_&lt;ns&gt;_&lt;policy&gt; (each); drop
 * chain pol-in_&lt;ns&gt;_&lt;policy&gt;   one accept rule per (peer, port group) of each ingress rule
 * </pre>
 * Egress mirrors it. Two base chains, because an accept ends only its own base chain: a connection between
 * two pods of this node must pass the source's egress and then the destination's ingress. Only pods a
 * policy isolates have a map element; the others fall through to the chains' accept policy.
 *
 * <p>Peers become named sets shared by every rule that names the same selection: {@code pods4_&lt;hash&gt;} /
 * {@code pods6_&lt;hash&gt;} (pod addresses, cluster-wide, of one distinct (namespaces, pod selector) pair),
 * {@code block4_&lt;hash&gt;} (an ipBlock minus its excepts, an interval set). Named ports become
 * address-and-port sets {@code named4_&lt;name&gt;_&lt;proto&gt;} of every pod declaring that container port,
 * matched as {@code ip daddr . th dport}: the name resolves against the destination pod in both directions.
 * A set left empty (no pod, no such namespace, no such port name) matches nothing, never everything. When a
 * pod comes or goes, only set elements (and, for a local pod, its own chains and map elements) change:
 * {@link NodeCompiler} keeps the table that way, one object at a time; {@link #compile} is its result for a
 * whole cluster at once.
 */
public final class PolicyCompiler {
    public static final String TABLE = "viaduct-policy";
    public static final String EGRESS_MAP = "egress-pods";
    public static final String INGRESS_MAP = "ingress-pods";
    static final int EGRESS_PRIORITY = 0;
    static final int INGRESS_PRIORITY = 1;
    /** nftables chain, set and object names are at most 255 bytes (NFT_*_MAXNAMELEN 256 with the NUL). */
    private static final int MAX_NAME = 255;

    private PolicyCompiler() {
    }

    /**
     * The ruleset for {@code node}'s pods. Every pod of the node needs its {@code hostVeth}.
     *
     * @param nodeIps the node's own addresses: traffic between them and the node's pods is always allowed
     */
    public static Ruleset compile(Cluster cluster, String node, List<InetAddress> nodeIps) {
        NodeCompiler c = new NodeCompiler(node, nodeIps);
        for (Namespace n : cluster.namespaces()) {
            c.putNamespace(n);
        }
        // pods before policies: each set is then filled by one pass over the pods it can select
        List<Pod> pods = cluster.pods();
        for (int i = 0; i < pods.size(); i++) {
            c.putPod(Integer.toString(i), pods.get(i));
        }
        for (NetworkPolicy p : cluster.policies()) {
            c.putPolicy(p);
        }
        return c.ruleset();
    }

    static String policyChain(NetworkPolicy p, PolicyType type) {
        return fit((type == PolicyType.Ingress ? "pol-in_" : "pol-eg_"), p);
    }

    /** The named counter of packets dropped at pods {@code p} isolates in direction {@code type}. */
    public static String counter(NetworkPolicy p, PolicyType type) {
        return fit((type == PolicyType.Ingress ? "drop-in_" : "drop-eg_"), p);
    }

    /** {@code prefix<ns>_<name>} ('_' appears in neither), or a hash of both when that is too long. */
    private static String fit(String prefix, NetworkPolicy p) {
        String s = prefix + p.namespace() + "_" + p.name();
        return s.length() <= MAX_NAME ? s : prefix + hash(p.id());
    }

    static String hash(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is mandatory in every JDK", e);
        }
    }
}
