package dev.viaduct.policy.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A pod as policy sees it: the store's pod record (labels, node, named container ports) joined with its
 * addresses from IPAM and its host-side veth name.
 *
 * @param hostVeth the host-side interface of the pod ({@code vdc} + 11 hex); needed for the node's own pods
 */
public record Pod(String namespace, String name, Map<String, String> labels, List<InetAddress> ips, String node,
                  String hostVeth, List<ContainerPort> ports) {
    public Pod {
        labels = Map.copyOf(labels);
        ips = List.copyOf(ips);
        ports = List.copyOf(ports);
    }

    /** {@code namespace/name}. */
    public String id() {
        return namespace + "/" + name;
    }
}
