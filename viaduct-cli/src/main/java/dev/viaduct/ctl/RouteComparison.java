package dev.viaduct.ctl;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One node's desired routes against the routes its kernel has right now (both from the agent's
 * {@code /status}), row by destination. Pure.
 *
 * <p>States: {@link State#OK} the kernel has the route the agent wants; {@link State#MISSING} it has no route
 * to that destination at all; {@link State#DIFFERS} it has a Viaduct route there that forwards differently;
 * {@link State#FOREIGN} a route Viaduct does not own (another protocol: static, boot, bird ...) holds the
 * destination, and Viaduct never replaces foreign routes; {@link State#EXTRA} a Viaduct route no source wants
 * any more (the agent removes it on its next pass). Only Viaduct's own routes and foreign routes on a desired
 * destination are rows: the rest of the main table is not Viaduct's business here ({@code explain} looks at
 * all of it).
 */
public record RouteComparison(String node, List<Row> rows, Map<String, String> agentProblems, String kernelError) {
    public RouteComparison {
        rows = List.copyOf(rows);
        agentProblems = Map.copyOf(agentProblems);
    }

    public enum State {
        OK, MISSING, DIFFERS, FOREIGN, EXTRA;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One destination: what the agent wants (empty for EXTRA) and what the kernel has (empty for MISSING). */
    public record Row(State state, IpPrefix destination, Optional<AgentStatus.Route> desired, Optional<AgentStatus.Route> kernel,
            String agentProblem) {
    }

    public static RouteComparison of(AgentStatus s) {
        Map<IpPrefix, AgentStatus.Route> desired = new TreeMap<>();
        s.desired().forEach(r -> desired.put(r.destination(), r));
        Map<IpPrefix, List<AgentStatus.Route>> kernel = new TreeMap<>();
        s.kernel().forEach(r -> kernel.computeIfAbsent(r.destination(), k -> new ArrayList<>()).add(r));
        TreeSet<IpPrefix> all = new TreeSet<>(desired.keySet());
        kernel.forEach((dst, rs) -> {
            if (rs.stream().anyMatch(s::owned)) {
                all.add(dst);
            }
        });
        List<Row> rows = new ArrayList<>();
        for (IpPrefix dst : all) {
            Optional<AgentStatus.Route> want = Optional.ofNullable(desired.get(dst));
            List<AgentStatus.Route> have = kernel.getOrDefault(dst, List.of());
            Optional<AgentStatus.Route> owned = have.stream().filter(s::owned).filter(r -> want.isPresent() && r.sameForwarding(want.get()))
                    .findFirst().or(() -> have.stream().filter(s::owned).findFirst());
            Optional<AgentStatus.Route> foreign = have.stream().filter(r -> !s.owned(r)).findFirst();
            String problem = s.routeProblems().getOrDefault(dst.toString(),
                    s.routeProblems().getOrDefault(dst.isHost() ? dst.addressText() : dst.toString(), ""));
            State state;
            Optional<AgentStatus.Route> shown;
            if (want.isEmpty()) {
                state = State.EXTRA;
                shown = owned;
            } else if (owned.isPresent()) {
                state = owned.get().sameForwarding(want.get()) ? State.OK : State.DIFFERS;
                shown = owned;
            } else if (foreign.isPresent()) {
                state = State.FOREIGN;
                shown = foreign;
            } else {
                state = State.MISSING;
                shown = Optional.empty();
            }
            rows.add(new Row(state, dst, want, shown, problem));
        }
        return new RouteComparison(s.node(), rows, s.routeProblems(), s.kernelError());
    }

    /** Rows that are not {@link State#OK}. */
    public long differences() {
        return rows.stream().filter(r -> r.state() != State.OK).count();
    }
}
