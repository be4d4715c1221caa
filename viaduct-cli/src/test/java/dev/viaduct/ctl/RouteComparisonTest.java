package dev.viaduct.ctl;

import static dev.viaduct.ctl.Fixtures.STATIC;
import static dev.viaduct.ctl.Fixtures.VIADUCT;
import static dev.viaduct.ctl.Fixtures.via;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ctl.RouteComparison.State;
import org.junit.jupiter.api.Test;

class RouteComparisonTest {
    final Fixtures.Cluster c = new Fixtures.Cluster();

    @Test
    void aProgrammedNodeHasNoDifferencesAndIgnoresForeignRoutesElsewhere() {
        RouteComparison rc = RouteComparison.of(c.n1.status());
        assertThat(rc.differences()).isZero();
        // 2 pods + own blackhole + 2 remote blocks; the connected and default routes are not Viaduct's business
        assertThat(rc.rows()).hasSize(5).allMatch(r -> r.state() == State.OK);
    }

    @Test
    void everyKindOfDifferenceIsClassified() {
        c.n1.dropKernel("10.244.2.0/26"); // missing
        c.n1.dropKernel("10.244.3.0/26");
        c.n1.kernel.add(via("10.244.3.0/26", "10.168.0.99", "eth0", STATIC)); // foreign
        c.n1.dropKernel("10.244.1.0/26");
        c.n1.kernel.add(via("10.244.1.0/26", "10.168.0.12", "eth0", VIADUCT)); // differs
        c.n1.kernel.add(via("10.244.7.0/26", "10.168.0.17", "eth0", VIADUCT)); // extra
        c.n1.problems.put("10.244.3.0/26", "conflict: a route to 10.244.3.0/26 that Viaduct does not own already exists");
        RouteComparison rc = RouteComparison.of(c.n1.status());
        assertThat(rc.differences()).isEqualTo(4);
        assertThat(rc.rows()).extracting(r -> r.destination().toString(), RouteComparison.Row::state).containsExactly(
                org.assertj.core.groups.Tuple.tuple("10.244.1.0/26", State.DIFFERS),
                org.assertj.core.groups.Tuple.tuple("10.244.1.5/32", State.OK),
                org.assertj.core.groups.Tuple.tuple("10.244.1.9/32", State.OK),
                org.assertj.core.groups.Tuple.tuple("10.244.2.0/26", State.MISSING),
                org.assertj.core.groups.Tuple.tuple("10.244.3.0/26", State.FOREIGN),
                org.assertj.core.groups.Tuple.tuple("10.244.7.0/26", State.EXTRA));
        RouteComparison.Row foreign = rc.rows().get(4);
        assertThat(foreign.kernel().orElseThrow().protocol()).isEqualTo(STATIC);
        assertThat(foreign.agentProblem()).startsWith("conflict:");
        assertThat(rc.rows().get(5).desired()).isEmpty();
    }
}
