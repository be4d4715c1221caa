package dev.viaduct.ctl;

import dev.viaduct.store.JsonTrees;
import java.io.PrintWriter;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code viaduct ctl peers}: each node's BGP sessions (state, uptime, prefixes received / accepted /
 * advertised, last error). In host-gw mode there are none, which is said in words and is not a problem.
 * Exit 1 when a session is not Established.
 */
public record PeersReport(List<NodePeers> nodes) implements Report {
    public PeersReport {
        nodes = List.copyOf(nodes);
    }

    /** One node's sessions, or why its agent could not be asked. */
    public record NodePeers(String node, String mode, List<AgentStatus.Peer> peers, String unreachable) {
        public NodePeers {
            peers = List.copyOf(peers);
        }
    }

    @Override
    public void printTable(PrintWriter out) {
        CtlText.Table t = new CtlText.Table("NODE", "PEER", "ADDRESS", "ASN", "STATE", "UPTIME", "RECEIVED", "ACCEPTED", "ADVERTISED",
                "LAST ERROR");
        for (NodePeers n : nodes) {
            for (AgentStatus.Peer p : n.peers()) {
                t.row(n.node(), p.name().isEmpty() ? "-" : p.name(), p.address(), p.asn(), p.state(),
                        p.established() ? CtlText.duration(p.uptimeSeconds()) : "-", p.prefixesReceived(), p.prefixesAccepted(),
                        p.prefixesAdvertised(), p.lastError().isEmpty() ? "-" : p.lastError());
            }
        }
        if (!t.isEmpty()) {
            t.print(out, "");
        }
        for (NodePeers n : nodes) {
            if (!n.unreachable().isEmpty()) {
                out.println("node " + n.node() + ": " + n.unreachable());
            } else if (n.peers().isEmpty()) {
                out.println("node " + n.node() + ": no BGP peers" + (n.mode().equals("bgp") ? " configured"
                        : " (mode " + n.mode() + ": routes come from the datastore, not BGP)"));
            }
        }
    }

    @Override
    public JsonNode json() {
        ObjectNode o = JsonTrees.object();
        var arr = o.putArray("nodes");
        for (NodePeers n : nodes) {
            ObjectNode no = arr.addObject();
            no.put("node", n.node());
            no.put("mode", n.mode());
            if (!n.unreachable().isEmpty()) {
                no.put("unreachable", n.unreachable());
            }
            var ps = no.putArray("peers");
            for (AgentStatus.Peer p : n.peers()) {
                ps.addObject().put("name", p.name()).put("address", p.address()).put("asn", p.asn()).put("state", p.state())
                        .put("uptimeSeconds", p.uptimeSeconds()).put("prefixesReceived", p.prefixesReceived())
                        .put("prefixesAccepted", p.prefixesAccepted()).put("prefixesAdvertised", p.prefixesAdvertised())
                        .put("lastError", p.lastError());
            }
        }
        return o;
    }

    @Override
    public int exitCode() {
        if (nodes.stream().anyMatch(n -> !n.unreachable().isEmpty())) {
            return CtlException.UNREACHABLE;
        }
        return nodes.stream().flatMap(n -> n.peers().stream()).allMatch(AgentStatus.Peer::established)
                ? CtlException.OK : CtlException.PROBLEM;
    }
}
