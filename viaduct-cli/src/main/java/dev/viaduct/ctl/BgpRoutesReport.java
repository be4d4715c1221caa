package dev.viaduct.ctl;

import java.io.PrintWriter;
import tools.jackson.databind.JsonNode;

/**
 * {@code viaduct ctl bgp routes}: a standalone speaker's Loc-RIB candidates as its {@code /routes} answered
 * (see the speaker's {@code RoutesHandler} for the JSON), one row per candidate, '*' marking best paths and
 * '=' the rest of the equal-cost set; then how many matching prefixes there were and how many are shown.
 */
public record BgpRoutesReport(JsonNode answer) implements Report {
    @Override
    public void printTable(PrintWriter out) {
        CtlText.Table t = new CtlText.Table("", "PREFIX", "NEXT HOP", "SOURCE", "AS PATH", "ORIGIN", "LOCAL PREF", "MED", "COMMUNITIES");
        for (JsonNode r : answer.path("routes")) {
            String mark = r.path("best").asBoolean() ? "*" : r.path("multipath").asBoolean() ? "=" : " ";
            t.row(mark + (r.path("stale").asBoolean() ? "s" : ""), r.path("prefix").asString(), orDash(r.path("nextHop")),
                    r.path("source").asString(), r.path("asPath").asString().isEmpty() ? "-" : r.path("asPath").asString(),
                    r.path("origin").asString(), orDash(r.path("localPref")), orDash(r.path("med")),
                    r.path("communities").isEmpty() ? "-" : String.join(" ", r.path("communities").valueStream().map(JsonNode::asString).toList()));
        }
        if (!t.isEmpty()) {
            t.print(out, "");
        }
        long matched = answer.path("matched").asLong();
        long returned = answer.path("returned").asLong();
        String within = answer.path("prefix").isNull() ? answer.path("family").asString() : "inside " + answer.path("prefix").asString();
        String from = answer.path("peer").isNull() ? "" : " from peer " + answer.path("peer").asString();
        out.println(matched + (matched == 1 ? " prefix " : " prefixes ") + within + from
                + (returned < matched ? "; the first " + returned + " shown (--limit N, 0 for all)" : ""));
    }

    private static String orDash(JsonNode v) {
        return v.isMissingNode() || v.isNull() ? "-" : v.asString();
    }

    @Override
    public JsonNode json() {
        return answer;
    }

    @Override
    public int exitCode() {
        return CtlException.OK;
    }
}
