package dev.viaduct.ctl;

import dev.viaduct.store.JsonTrees;
import dev.viaduct.sys.net.IpPrefix;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What {@code viaduct ctl explain A B} found: where each address lives, the hops of the path from A to B and
 * of the way back (each a route lookup on one node, or the delivery to the pod), and the first problem in
 * words. Exit code: 0 when both directions work, 1 when a piece is missing or wrong, 3 when an agent on the
 * path could not be asked (and nothing was found broken before it).
 */
public record Explanation(Place from, Place to, List<Step> forward, List<Step> back, List<String> problems,
        List<String> unknowns) implements Report {
    public Explanation {
        forward = List.copyOf(forward);
        back = List.copyOf(back);
        problems = List.copyOf(problems);
        unknowns = List.copyOf(unknowns);
    }

    /** Where an address lives according to IPAM and the node records. */
    public record Place(InetAddress ip, Optional<String> node, Optional<String> pod, Optional<IpPrefix> block,
            Optional<String> handle, String summary) {
    }

    public enum Verdict {
        OK, BROKEN, UNKNOWN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One hop.
     *
     * @param node     where the lookup happens
     * @param check    {@code route} (a forwarding decision on the way) or {@code deliver} (the pod's own route)
     * @param route    the kernel route that matched (ip route syntax), or empty
     * @param expected the route the node's agent wants for this destination, or empty
     * @param encap    the tunnel kind the hop uses ({@code vxlan}, {@code ipip} ...) or {@code none}
     * @param next     the node the packet goes to next, or empty (delivered, dropped, or a router)
     * @param detail   the explanation in words
     */
    public record Step(String node, String check, Verdict verdict, String route, String expected, String encap,
            String next, String detail) {
    }

    /** The first problem found, or empty. */
    public String problem() {
        return problems.isEmpty() ? "" : problems.getFirst();
    }

    public boolean ok() {
        return problems.isEmpty() && unknowns.isEmpty();
    }

    @Override
    public int exitCode() {
        if (!problems.isEmpty()) {
            return CtlException.PROBLEM;
        }
        return unknowns.isEmpty() ? CtlException.OK : CtlException.UNREACHABLE;
    }

    @Override
    public void printTable(PrintWriter out) {
        out.printf("%-15s %s%n", from.ip().getHostAddress(), from.summary());
        out.printf("%-15s %s%n", to.ip().getHostAddress(), to.summary());
        direction(out, "forward " + from.ip().getHostAddress() + " -> " + to.ip().getHostAddress(), forward);
        direction(out, "return  " + to.ip().getHostAddress() + " -> " + from.ip().getHostAddress(), back);
        out.println();
        if (!problems.isEmpty()) {
            out.println("BROKEN: " + problems.getFirst());
            problems.stream().skip(1).forEach(p -> out.println("also:   " + p));
        } else if (!unknowns.isEmpty()) {
            out.println("UNKNOWN: " + unknowns.getFirst());
        } else {
            out.println("OK: " + from.ip().getHostAddress() + " and " + to.ip().getHostAddress() + " can reach each other");
        }
    }

    private static void direction(PrintWriter out, String title, List<Step> steps) {
        out.println();
        out.println(title);
        if (steps.isEmpty()) {
            out.println("  (not walked)");
            return;
        }
        CtlText.Table t = new CtlText.Table("", "NODE", "CHECK", "ROUTE", "DETAIL");
        for (Step s : steps) {
            t.row(s.verdict() == Verdict.OK ? "ok" : s.verdict() == Verdict.BROKEN ? "BROKEN" : "?", s.node(), s.check(),
                    s.route().isEmpty() ? "(none)" : s.route(), s.detail());
        }
        t.print(out, "  ");
    }

    @Override
    public JsonNode json() {
        ObjectNode o = JsonTrees.object();
        place(o.putObject("from"), from);
        place(o.putObject("to"), to);
        steps(o.putArray("forward"), forward);
        steps(o.putArray("return"), back);
        o.put("ok", ok());
        var p = o.putArray("problems");
        problems.forEach(p::add);
        var u = o.putArray("unknowns");
        unknowns.forEach(u::add);
        if (!problems.isEmpty()) {
            o.put("problem", problems.getFirst());
        }
        return o;
    }

    private static void place(ObjectNode o, Place p) {
        o.put("ip", p.ip().getHostAddress());
        p.node().ifPresent(n -> o.put("node", n));
        p.pod().ifPresent(n -> o.put("pod", n));
        p.block().ifPresent(n -> o.put("block", n.toString()));
        p.handle().ifPresent(n -> o.put("handle", n));
        o.put("summary", p.summary());
    }

    private static void steps(ArrayNode a, List<Step> steps) {
        for (Step s : steps) {
            ObjectNode o = a.addObject();
            o.put("node", s.node());
            o.put("check", s.check());
            o.put("verdict", s.verdict().label());
            o.put("route", s.route());
            o.put("expected", s.expected());
            o.put("encapsulation", s.encap());
            if (!s.next().isEmpty()) {
                o.put("next", s.next());
            }
            o.put("detail", s.detail());
        }
    }
}
