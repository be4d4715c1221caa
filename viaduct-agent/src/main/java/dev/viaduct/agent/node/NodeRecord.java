package dev.viaduct.agent.node;

import dev.viaduct.agent.net.Cidr;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a node tells the cluster about itself (JSON in the store).
 *
 * @param addresses the node's addresses on its uplink, with their subnet prefix (e.g. 10.168.0.3/24): the
 *                  prefix is what lets peers decide whether the node is on-link
 * @param uplink    the interface pod traffic leaves by (e.g. eth0)
 * @param asn       the node's BGP AS number in BGP mode (0 = cluster default)
 * @param vtep      the node's VXLAN tunnel endpoint when a VXLAN overlay is on
 */
public record NodeRecord(String name, List<String> addresses, String uplink, Map<String, String> labels,
        String mode, long asn, Vtep vtep, String agentVersion) {
    public NodeRecord {
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A VXLAN endpoint: the tunnel device's address and MAC. */
    public record Vtep(String address, String mac) {
    }

    public List<Cidr> cidrs() {
        return addresses.stream().map(Cidr::parse).toList();
    }

    /** The node's first address of the given family. */
    public Optional<Cidr> address(boolean ipv4) {
        return cidrs().stream().filter(c -> c.isIpv4() == ipv4).findFirst();
    }
}
