package dev.viaduct.cni.spec;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * One validated plugin invocation: the CNI environment plus the network configuration from stdin.
 *
 * @param containerId   CNI_CONTAINERID (empty for STATUS/GC)
 * @param netns         CNI_NETNS; empty when the runtime has none (DEL after the namespace is gone)
 * @param ifname        CNI_IFNAME (empty for STATUS/GC)
 * @param args          CNI_ARGS as key/value pairs
 * @param config        the parsed network configuration
 */
public record CniRequest(CniCommand command, String containerId, Optional<String> netns, String ifname,
        Map<String, String> args, NetworkConfig config) {

    /** IPAM handle of this attachment: unique per (network, container, interface), per the CNI spec's key. */
    public String handle() {
        return config.name() + "." + containerId + "." + ifname;
    }

    /** Pod identity from the Kubernetes CNI_ARGS conventions, when the runtime passes it. */
    public Optional<String> podName() {
        return Optional.ofNullable(args.get("K8S_POD_NAME"));
    }

    public Optional<String> podNamespace() {
        return Optional.ofNullable(args.get("K8S_POD_NAMESPACE"));
    }

    /**
     * The network configuration fields Viaduct reads.
     *
     * @param mtu            per-network MTU override; empty = the agent's (configured or autodetected)
     * @param ipv4           assign an IPv4 address (default true)
     * @param ipv6           assign an IPv6 address (default false; both = dual-stack)
     * @param staticIps      requested addresses: runtimeConfig.ips, args.cni.ips, or CNI_ARGS IP=
     * @param prevResult     the previous plugin's (or ADD's) result, for chaining and CHECK
     * @param validAttachments GC: attachments the runtime still knows ({@code cni.dev/valid-attachments})
     * @param raw            the whole configuration, for echoing fields back
     */
    public record NetworkConfig(CniVersion version, String name, String type, Optional<Integer> mtu, boolean ipv4,
            boolean ipv6, List<InetAddress> staticIps, Optional<ObjectNode> prevResult,
            List<Attachment> validAttachments, ObjectNode raw) {
    }

    /** A (container, interface) pair from a GC request. */
    public record Attachment(String containerId, String ifname) {
    }

    /** Addresses in prevResult: what ADD assigned (for CHECK and DEL). */
    static List<IpPrefix> prevResultAddresses(ObjectNode prev) {
        var out = new java.util.ArrayList<IpPrefix>();
        var ips = prev.get("ips");
        if (ips != null && ips.isArray()) {
            for (var ip : ips) {
                var a = ip.get("address");
                if (a != null && a.isString()) {
                    try {
                        out.add(IpPrefix.parse(a.stringValue()));
                    } catch (IllegalArgumentException ignored) {
                        // CHECK reports addresses it cannot find; an unparsable one is simply not ours
                    }
                }
            }
        }
        return out;
    }
}
