package dev.viaduct.ctl;

import dev.viaduct.policy.eval.Verdict;
import dev.viaduct.store.JsonTrees;
import java.io.PrintWriter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code viaduct ctl explain --from --to --port}: the NetworkPolicy verdict for one connection, per direction
 * the policies selecting the pod and the rule allowing it or why nothing does. Exit 0 allowed, 1 blocked.
 */
public record PolicyExplanation(String from, String fromIp, String to, String toIp, String port, Verdict verdict) implements Report {
    @Override
    public void printTable(PrintWriter out) {
        out.printf("%s (%s) -> %s (%s) %s: %s%n", from, fromIp, to, toIp, port, verdict.allowed() ? "ALLOWED" : "BLOCKED");
        side(out, "egress ", verdict.egress());
        side(out, "ingress", verdict.ingress());
    }

    private static void side(PrintWriter out, String dir, Verdict.Side s) {
        out.printf("  %s at %s: %s%n", dir, s.pod() == null ? "(not a pod)" : s.pod(), s.allowed() ? "allowed" : "BLOCKED");
        out.printf("    selected by: %s%n", s.selectedBy().isEmpty() ? "no policy" : String.join(", ", s.selectedBy()));
        out.printf("    %s%n", s.reason());
    }

    @Override
    public JsonNode json() {
        ObjectNode o = JsonTrees.object();
        o.put("from", from).put("fromIp", fromIp).put("to", to).put("toIp", toIp).put("port", port).put("allowed", verdict.allowed());
        o.set("egress", side(verdict.egress()));
        o.set("ingress", side(verdict.ingress()));
        return o;
    }

    private static ObjectNode side(Verdict.Side s) {
        ObjectNode o = JsonTrees.object();
        o.put("pod", s.pod()).put("allowed", s.allowed()).put("allowedBy", s.allowedBy()).put("reason", s.reason());
        s.selectedBy().forEach(o.putArray("selectedBy")::add);
        return o;
    }

    @Override
    public int exitCode() {
        return verdict.allowed() ? CtlException.OK : CtlException.PROBLEM;
    }
}
