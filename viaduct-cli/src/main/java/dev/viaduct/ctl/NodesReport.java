package dev.viaduct.ctl;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.store.JsonTrees;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code viaduct ctl nodes}: every node record, whether its agent says it is ready (or why not, or that it
 * could not be asked), its mode and its IPAM blocks. Exit 1 when any node is not ready or its agent did not
 * answer: a script waiting for a healthy cluster can loop on it.
 */
public record NodesReport(List<Row> rows) implements Report {
    public NodesReport {
        rows = List.copyOf(rows);
    }

    /** One node; {@code status} is empty when its agent did not answer ({@code unreachable} says why). */
    public record Row(NodeRecord record, URI agent, Optional<AgentStatus> status, String unreachable, List<String> blocks,
            long pods) {
        public Row {
            blocks = List.copyOf(blocks);
        }

        String ready() {
            return status.map(s -> s.ready() ? "yes" : "no").orElse("unknown");
        }

        String why() {
            return status.map(s -> s.ready() ? "" : s.notReady()).orElse(unreachable);
        }
    }

    @Override
    public void printTable(PrintWriter out) {
        if (rows.isEmpty()) {
            out.println("no nodes are registered (no agent holds a node lease in this datastore)");
            return;
        }
        CtlText.Table t = new CtlText.Table("NAME", "ADDRESSES", "MODE", "READY", "PODS", "BLOCKS");
        for (Row r : rows) {
            t.row(r.record().name(), String.join(",", r.record().addresses()), r.record().mode(), r.ready(), r.pods(),
                    r.blocks().isEmpty() ? "-" : String.join(",", r.blocks()));
        }
        t.print(out, "");
        for (Row r : rows) {
            if (!r.why().isEmpty()) {
                out.println(r.record().name() + ": " + (r.status().isPresent() ? "not ready: " : "") + r.why());
            }
        }
    }

    @Override
    public JsonNode json() {
        ObjectNode o = JsonTrees.object();
        var arr = o.putArray("nodes");
        for (Row r : rows) {
            ObjectNode n = arr.addObject();
            NodeRecord rec = r.record();
            n.put("name", rec.name());
            var a = n.putArray("addresses");
            rec.addresses().forEach(a::add);
            n.put("uplink", rec.uplink());
            n.put("mode", rec.mode());
            n.put("asn", rec.asn());
            if (rec.vtep() != null) {
                n.putObject("vtep").put("address", rec.vtep().address()).put("mac", rec.vtep().mac());
            }
            n.put("agentUrl", r.agent().toString());
            n.put("agentVersion", rec.agentVersion());
            if (r.status().isPresent()) {
                n.put("ready", r.status().get().ready());
                n.put("notReady", r.status().get().notReady());
            } else {
                n.putNull("ready");
                n.put("unreachable", r.unreachable());
            }
            n.put("pods", r.pods());
            var b = n.putArray("blocks");
            r.blocks().forEach(b::add);
            var l = n.putObject("labels");
            rec.labels().forEach(l::put);
        }
        return o;
    }

    @Override
    public int exitCode() {
        return rows.stream().allMatch(r -> r.status().map(AgentStatus::ready).orElse(false)) ? CtlException.OK : CtlException.PROBLEM;
    }
}
