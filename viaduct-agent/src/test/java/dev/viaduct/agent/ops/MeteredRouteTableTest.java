package dev.viaduct.agent.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.agent.route.Route;
import dev.viaduct.agent.route.RouteTable;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class MeteredRouteTableTest {
    final List<String> errors = new ArrayList<>();

    /** Answers a batch with the outcomes it is given, or fails as a whole. */
    static final class Scripted implements RouteTable {
        List<Outcome> next = List.of();
        RouteTableException fail;

        @Override
        public List<Route> dumpOwned() throws RouteTableException {
            if (fail != null) {
                throw fail;
            }
            return List.of();
        }

        @Override
        public List<Outcome> apply(List<Change> changes) throws RouteTableException {
            if (fail != null) {
                throw fail;
            }
            return next;
        }

        @Override
        public AutoCloseable subscribe(Consumer<Event> listener) {
            return () -> { };
        }
    }

    @Test
    void countsTheKernelsRefusalsByErrnoButNotRoutineOutcomes() throws Exception {
        Scripted s = new Scripted();
        MeteredRouteTable t = new MeteredRouteTable(s, (c, e) -> errors.add(c + " " + e));
        Route r = Route.blackhole(IpPrefix.parse("10.244.0.0/26"));
        s.next = List.of(new RouteTable.Outcome.Done(), new RouteTable.Outcome.AlreadyGone(),
                new RouteTable.Outcome.DeviceMissing("vdc1"), new RouteTable.Outcome.Conflict("a foreign route"),
                new RouteTable.Outcome.Failed("route add 10.9.0.0/16 via 10.1.1.1: Network is unreachable (ENETUNREACH; kernel: Nexthop has invalid gateway)"),
                new RouteTable.Outcome.Failed("something without an errno"));
        List<RouteTable.Change> six = java.util.Collections.nCopies(6, new RouteTable.Change(RouteTable.Op.ADD, r));
        assertThat(t.apply(six)).isEqualTo(s.next);
        assertThat(errors).containsExactly("routes EEXIST", "routes ENETUNREACH", "routes other");
    }

    @Test
    void aFailedDumpIsCountedAndRethrown() {
        Scripted s = new Scripted();
        s.fail = new RouteTable.RouteTableException("route dump failed: No buffer space available (ENOBUFS)", null);
        MeteredRouteTable t = new MeteredRouteTable(s, (c, e) -> errors.add(c + " " + e));
        assertThatThrownBy(t::dumpOwned).isSameAs(s.fail);
        assertThat(errors).containsExactly("routes ENOBUFS");
    }
}
