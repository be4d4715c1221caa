package dev.viaduct.policy.eval;

import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Rule;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * NetworkPolicy v1 decided one connection at a time, straight from the API's text:
 * <ul>
 *   <li>a pod is isolated for ingress (egress) when a policy in its namespace selects it and has that type
 *       in its (defaulted) {@code policyTypes}; an isolated pod admits exactly the union of those policies'
 *       rules, a pod no policy isolates admits everything;</li>
 *   <li>a rule matches when some peer matches the far side (none listed: any) and some port matches the
 *       destination port (none listed: any port of any protocol);</li>
 *   <li>a named port resolves against the destination pod's container ports (name and protocol); no such
 *       pod or port: the port matches nothing;</li>
 *   <li>a selector peer matches pods only (never a host or an outside address); a namespace selector
 *       matches only namespaces that exist; an ipBlock matches any address, pod or not;</li>
 *   <li>traffic between a pod and its own node is always allowed (the API: so kubelet probes work).</li>
 * </ul>
 */
public final class Evaluator {
    private final Cluster cluster;
    private final Map<String, Namespace> namespaces;

    public Evaluator(Cluster cluster) {
        this.cluster = cluster;
        this.namespaces = cluster.namespacesByName();
    }

    public static Verdict evaluate(Cluster cluster, Traffic t) {
        return new Evaluator(cluster).evaluate(t);
    }

    public Verdict evaluate(Traffic t) {
        Pod srcPod = podAt(t.src());
        Pod dstPod = podAt(t.dst());
        Verdict.Side egress = side(PolicyType.Egress, srcPod, t.dst(), dstPod, t, dstPod);
        Verdict.Side ingress = side(PolicyType.Ingress, dstPod, t.src(), srcPod, t, dstPod);
        return new Verdict(egress.allowed() && ingress.allowed(), egress, ingress);
    }

    /** The pod holding {@code ip}, or null. */
    public Pod podAt(InetAddress ip) {
        for (Pod p : cluster.pods()) {
            if (p.ips().contains(ip)) {
                return p;
            }
        }
        return null;
    }

    /** Policies selecting {@code pod} for {@code type}, in {@link NetworkPolicy#ORDER}. */
    public List<NetworkPolicy> selecting(Pod pod, PolicyType type) {
        return cluster.policies().stream()
                .filter(p -> p.selects(pod) && p.spec().effectiveTypes().contains(type))
                .toList();
    }

    private Verdict.Side side(PolicyType type, Pod pod, InetAddress far, Pod farPod, Traffic t, Pod dstPod) {
        if (pod == null) {
            return new Verdict.Side(null, List.of(), true, null, "not a pod: no " + type + " policy applies");
        }
        List<NetworkPolicy> policies = selecting(pod, type);
        List<String> ids = policies.stream().map(NetworkPolicy::id).toList();
        if (ownNode(pod, far)) {
            return new Verdict.Side(pod.id(), ids, true, null, "traffic between a pod and its own node is always allowed");
        }
        if (policies.isEmpty()) {
            return new Verdict.Side(pod.id(), ids, true, null, "not isolated: no policy selects it for " + type);
        }
        String field = type == PolicyType.Ingress ? "ingress" : "egress";
        for (NetworkPolicy p : policies) {
            List<? extends Rule> rules = p.spec().rules(type);
            for (int i = 0; i < rules.size(); i++) {
                if (ruleMatches(rules.get(i), p.namespace(), far, farPod, t, dstPod)) {
                    String by = p.id() + " " + field + "[" + i + "]";
                    return new Verdict.Side(pod.id(), ids, true, by, "allowed by " + by);
                }
            }
        }
        return new Verdict.Side(pod.id(), ids, false, null, "no rule allows it");
    }

    private boolean ownNode(Pod pod, InetAddress far) {
        return cluster.node(pod.node()).map(Node::ips).orElse(List.of()).contains(far);
    }

    private boolean ruleMatches(Rule r, String policyNamespace, InetAddress far, Pod farPod, Traffic t, Pod dstPod) {
        boolean peer = r.peers().isEmpty();
        for (Peer p : r.peers()) {
            peer |= peerMatches(p, policyNamespace, far, farPod);
        }
        if (!peer) {
            return false;
        }
        if (r.ports().isEmpty()) {
            return true;
        }
        for (PolicyPort pp : r.ports()) {
            if (portMatches(pp, t, dstPod)) {
                return true;
            }
        }
        return false;
    }

    private boolean peerMatches(Peer peer, String policyNamespace, InetAddress far, Pod farPod) {
        return switch (peer) {
            case Peer.Block b -> b.ipBlock().contains(far);
            case Peer.Pods s -> {
                yield farPod != null && s.selects(farPod, policyNamespace, namespaces);
            }
        };
    }

    private static boolean portMatches(PolicyPort pp, Traffic t, Pod dstPod) {
        if (t.transport().protocol() != pp.protocol()) {
            return false;
        }
        return switch (pp.port()) {
            case null -> true;
            case PolicyPort.Port.Number n -> t.port() >= n.value() && t.port() <= pp.last();
            case PolicyPort.Port.Named n -> dstPod != null && resolves(dstPod, n.name(), pp, t.port());
        };
    }

    private static boolean resolves(Pod pod, String name, PolicyPort pp, int port) {
        return pod.ports().stream().anyMatch(cp -> cp.name().equals(name) && cp.protocol() == pp.protocol() && cp.port() == port);
    }
}
