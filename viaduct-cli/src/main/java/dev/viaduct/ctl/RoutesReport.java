package dev.viaduct.ctl;

import dev.viaduct.store.JsonTrees;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code viaduct ctl routes}: per node, every destination Viaduct cares about with the route the agent wants
 * and the route the kernel has; rows that differ are marked with {@code !} in the first column. Exit 1 when
 * any row differs (or, with {@code --all}, an agent did not answer).
 */
public record RoutesReport(List<NodeRoutes> nodes) implements Report {
    public RoutesReport {
        nodes = List.copyOf(nodes);
    }

    /** One node's comparison, or why its agent could not be asked. */
    public record NodeRoutes(String node, URI agent, Optional<RouteComparison> comparison, String unreachable) {
    }

    @Override
    public void printTable(PrintWriter out) {
        boolean first = true;
        for (NodeRoutes n : nodes) {
            if (!first) {
                out.println();
            }
            first = false;
            if (n.comparison().isEmpty()) {
                out.println("node " + n.node() + " (" + n.agent() + "): " + n.unreachable());
                continue;
            }
            RouteComparison c = n.comparison().get();
            out.println("node " + c.node() + " (" + n.agent() + "): " + CtlText.count(c.rows().size(), "route") + ", "
                    + (c.differences() == 0 ? "kernel matches the agent" : CtlText.count(c.differences(), "difference")));
            if (!c.kernelError().isEmpty()) {
                out.println("  kernel could not be read: " + c.kernelError());
            }
            CtlText.Table t = new CtlText.Table("", "STATE", "DESTINATION", "DESIRED", "KERNEL");
            for (RouteComparison.Row r : c.rows()) {
                t.row(r.state() == RouteComparison.State.OK ? " " : "!", r.state().label(), r.destination(),
                        r.desired().map(AgentStatus.Route::describe).orElse("-"),
                        r.kernel().map(AgentStatus.Route::toString).orElse("-"));
            }
            t.print(out, "");
            for (RouteComparison.Row r : c.rows()) {
                if (!r.agentProblem().isEmpty()) {
                    out.println("  " + r.destination() + ": the agent reports: " + r.agentProblem());
                }
            }
        }
    }

    @Override
    public JsonNode json() {
        ObjectNode o = JsonTrees.object();
        var arr = o.putArray("nodes");
        for (NodeRoutes n : nodes) {
            ObjectNode no = arr.addObject();
            no.put("node", n.node());
            no.put("agentUrl", n.agent().toString());
            if (n.comparison().isEmpty()) {
                no.put("unreachable", n.unreachable());
                continue;
            }
            RouteComparison c = n.comparison().get();
            no.put("differences", c.differences());
            if (!c.kernelError().isEmpty()) {
                no.put("kernelError", c.kernelError());
            }
            var rows = no.putArray("routes");
            for (RouteComparison.Row r : c.rows()) {
                ObjectNode ro = rows.addObject();
                ro.put("state", r.state().label());
                ro.put("destination", r.destination().toString());
                r.desired().ifPresentOrElse(d -> {
                    ro.put("desired", d.describe());
                    ro.put("source", d.source());
                }, () -> ro.putNull("desired"));
                r.kernel().ifPresentOrElse(k -> {
                    ro.put("kernel", k.toString());
                    ro.put("kernelProtocol", k.protocol());
                }, () -> ro.putNull("kernel"));
                if (!r.agentProblem().isEmpty()) {
                    ro.put("agentProblem", r.agentProblem());
                }
            }
        }
        return o;
    }

    @Override
    public int exitCode() {
        if (nodes.stream().anyMatch(n -> n.comparison().isEmpty())) {
            return CtlException.UNREACHABLE;
        }
        boolean differ = nodes.stream().anyMatch(n -> n.comparison().get().differences() > 0
                || !n.comparison().get().kernelError().isEmpty());
        return differ ? CtlException.PROBLEM : CtlException.OK;
    }
}
