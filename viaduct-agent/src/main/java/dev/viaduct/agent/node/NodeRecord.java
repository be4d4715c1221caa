package dev.viaduct.agent.node;

import dev.viaduct.sys.net.IpPrefix;
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
 * @param agentUrl  base URL of the agent's HTTP endpoints ({@code /status}, {@code /metrics}), e.g.
 *                  {@code http://10.168.0.3:9099}, so {@code viaduct ctl} can ask any node's agent; null when
 *                  the agent serves no HTTP or was written by an older agent
 */
public record NodeRecord(String name, List<String> addresses, String uplink, Map<String, String> labels,
        String mode, long asn, Vtep vtep, String agentVersion, String agentUrl) {
    public NodeRecord {
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A record that publishes no agent URL. */
    public NodeRecord(String name, List<String> addresses, String uplink, Map<String, String> labels,
            String mode, long asn, Vtep vtep, String agentVersion) {
        this(name, addresses, uplink, labels, mode, asn, vtep, agentVersion, null);
    }

    /**
     * A VXLAN endpoint: the tunnel device's address (from the node's pool, IPAM handle
     * {@code vxlan-tunnel-addr-<node>}) and MAC. Published only while the device is up, withdrawn before it
     * goes: peers encapsulate to a node only while its record has one.
     */
    public record Vtep(String address, String mac) {
    }

    /** This record with another VTEP (null = none). */
    public NodeRecord withVtep(Vtep v) {
        return new NodeRecord(name, addresses, uplink, labels, mode, asn, v, agentVersion, agentUrl);
    }

    /** This record with other labels. */
    public NodeRecord withLabels(Map<String, String> l) {
        return new NodeRecord(name, addresses, uplink, l, mode, asn, vtep, agentVersion, agentUrl);
    }

    /** This record with other uplink addresses (they changed on the node). */
    public NodeRecord withAddresses(List<String> a) {
        return new NodeRecord(name, a, uplink, labels, mode, asn, vtep, agentVersion, agentUrl);
    }

    public List<IpPrefix> cidrs() {
        return addresses.stream().map(IpPrefix::parse).toList();
    }

    /** The node's first address of the given family. */
    public Optional<IpPrefix> address(boolean ipv4) {
        return cidrs().stream().filter(c -> c.isIpv4() == ipv4).findFirst();
    }
}
