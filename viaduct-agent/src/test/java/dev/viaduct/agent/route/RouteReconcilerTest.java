package dev.viaduct.agent.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouteReconcilerTest {
    static final Duration T = Duration.ofSeconds(5);
    final FakeRouteTable kernel = new FakeRouteTable();
    RouteReconciler rec;

    static Route via(String dst, String gw) {
        return Route.via(IpPrefix.parse(dst), IpAddresses.parse(gw), "eth0");
    }

    void start(Duration resync, String... requiredSources) throws Exception {
        rec = new RouteReconciler(kernel, resync);
        for (String s : requiredSources) {
            rec.requireSource(s);
        }
        rec.start();
    }

    @AfterEach
    void stop() {
        if (rec != null) {
            rec.close();
        }
    }

    @Test
    void addsMissingReplacesChangedDeletesStaleAndLeavesForeignAlone() throws Exception {
        Route stale = via("10.244.9.0/26", "10.168.0.9");
        Route changed = via("10.244.2.0/26", "10.168.0.2");
        kernel.ours.put(stale.key(), stale);
        kernel.ours.put(changed.key(), changed);
        Route foreign = via("10.1.0.0/16", "10.168.0.1");
        kernel.foreign.put(foreign.key(), foreign);
        start(Duration.ofHours(1), "hostgw");
        Route want1 = via("10.244.1.0/26", "10.168.0.1");
        Route want2 = via("10.244.2.0/26", "10.168.0.22");
        rec.setDesired("hostgw", List.of(want1, want2));
        rec.markSynced("hostgw");
        Poll.until("kernel == desired", T, () -> kernel.snapshot().equals(java.util.Map.of(want1.key(), want1, want2.key(), want2)));
        assertThat(kernel.foreign).containsValue(foreign);
        assertThat(kernel.log).extracting(RouteTable.Change::op)
                .containsExactlyInAnyOrder(RouteTable.Op.DELETE, RouteTable.Op.ADD, RouteTable.Op.REPLACE);
        // deletes go first
        assertThat(kernel.log.getFirst().op()).isEqualTo(RouteTable.Op.DELETE);
    }

    @Test
    void nothingIsAppliedUntilEverySourceSynced() throws Exception {
        Route existing = via("10.244.1.0/26", "10.168.0.1");
        Route pod = Route.direct(IpPrefix.parse("10.244.0.5/32"), "eth0");
        kernel.ours.put(existing.key(), existing);
        kernel.ours.put(pod.key(), pod);
        start(Duration.ofHours(1), "pods", "hostgw");
        rec.setDesired("hostgw", List.of(existing));
        rec.markSynced("hostgw");
        // pods has not synced: the pod route must survive even though no source wants it yet
        rec.setDesired("pods", List.of());
        assertThat(rec.ready()).isFalse();
        rec.setDesired("pods", List.of(pod));
        rec.markSynced("pods");
        Poll.until("first pass", T, rec::ready);
        assertThat(kernel.log).as("a restart finds the kernel right: no change at all").isEmpty();
    }

    @Test
    void routeDeletedBehindOurBackComesBackAndCountsAsDrift() throws Exception {
        start(Duration.ofHours(1));
        Route r = via("10.244.1.0/26", "10.168.0.1");
        rec.setDesired("hostgw", List.of(r));
        Poll.until("programmed", T, () -> kernel.snapshot().containsKey(r.key()));
        kernel.deleteBehindTheBack(r.key());
        Poll.until("restored", T, () -> kernel.snapshot().containsKey(r.key()));
        assertThat(rec.drifted.get()).isEqualTo(1);
    }

    @Test
    void foreignRouteWithTheSameDestinationIsAConflictNotReplaced() throws Exception {
        Route foreign = via("10.244.1.0/26", "10.168.0.99");
        kernel.foreign.put(foreign.key(), foreign);
        start(Duration.ofHours(1));
        rec.setDesired("hostgw", List.of(via("10.244.1.0/26", "10.168.0.1")));
        Poll.until("conflict reported", T, () -> rec.problems().containsKey(foreign.key()));
        assertThat(rec.problems().get(foreign.key())).contains("conflict");
        assertThat(kernel.foreign.get(foreign.key())).isEqualTo(foreign);
        assertThat(kernel.snapshot()).isEmpty();
    }

    @Test
    void missingDeviceIsRetriedWhenLinksChange() throws Exception {
        start(Duration.ofHours(1));
        Route pod = Route.direct(IpPrefix.parse("10.244.0.5/32"), "vdc0123456789a");
        rec.setDesired("pods", List.of(pod));
        Poll.until("pending reported", T, () -> rec.problems().containsKey(pod.key()));
        synchronized (kernel) {
            kernel.devices.add("vdc0123456789a");
        }
        kernel.emit(new RouteTable.Event.LinksChanged());
        Poll.until("programmed after link appeared", T, () -> kernel.snapshot().containsKey(pod.key()));
        Poll.until("problem cleared", T, () -> rec.problems().isEmpty());
    }

    @Test
    void aDeviceComingUpRetriesItsRouteWithoutADumpWhileAVanishedDeviceMakesOne() throws Exception {
        start(Duration.ofHours(1));
        Route pod = Route.direct(IpPrefix.parse("10.244.0.6/32"), "vdc0123456789c");
        rec.setDesired("pods", List.of(pod));
        Poll.until("pending reported", T, () -> rec.problems().containsKey(pod.key()));
        int dumpsBefore;
        synchronized (kernel) {
            kernel.devices.add("vdc0123456789c");
            dumpsBefore = kernel.dumps;
        }
        kernel.emit(new RouteTable.Event.LinkAppeared());
        Poll.until("programmed after the device came up", T, () -> kernel.snapshot().containsKey(pod.key()));
        synchronized (kernel) {
            assertThat(kernel.dumps).as("a device coming up flushes nothing: no dump").isEqualTo(dumpsBefore);
        }
        kernel.emit(new RouteTable.Event.LinksChanged());
        Poll.until("a device gone or down: the kernel is dumped again", T, () -> {
            synchronized (kernel) {
                return kernel.dumps > dumpsBefore;
            }
        });
    }

    @Test
    void awaitProgrammedReturnsOnceTheRouteIsInTheKernelAndTimesOutWhileItsDeviceIsMissing() throws Exception {
        start(Duration.ofHours(1));
        Route pod = Route.direct(IpPrefix.parse("10.244.0.5/32"), "vdc0123456789b");
        rec.setDesired("pods", List.of(pod));
        assertThat(rec.awaitProgrammed(List.of(pod), Duration.ofMillis(300))).as("no device yet").isFalse();
        assertThat(rec.problem(pod)).hasValueSatisfying(p -> assertThat(p).contains("device vdc0123456789b does not exist"));
        synchronized (kernel) {
            kernel.devices.add("vdc0123456789b");
        }
        // no LinksChanged event: the wait itself asks for a pass
        assertThat(rec.awaitProgrammed(List.of(pod), T)).isTrue();
        assertThat(kernel.snapshot()).containsKey(pod.key());
        assertThat(rec.awaitProgrammed(List.of(), Duration.ZERO)).as("nothing to wait for").isTrue();
    }

    @Test
    void periodicResyncFindsSilentlyFlushedRoutes() throws Exception {
        start(Duration.ofMillis(100));
        Route r = via("10.244.1.0/26", "10.168.0.1");
        rec.setDesired("hostgw", List.of(r));
        Poll.until("programmed", T, () -> kernel.snapshot().containsKey(r.key()));
        synchronized (kernel) {
            kernel.ours.clear(); // what the kernel does to routes over a vanished link: no event
        }
        Poll.until("restored by resync", T, () -> kernel.snapshot().containsKey(r.key()));
        assertThat(kernel.dumps).isGreaterThan(1);
    }

    @Test
    void overrunForcesAFullDump() throws Exception {
        start(Duration.ofHours(1));
        Poll.until("initial dump", T, () -> kernel.dumps == 1);
        kernel.emit(new RouteTable.Event.Overrun());
        Poll.until("second dump", T, () -> kernel.dumps == 2);
    }

    @Test
    void removingTheConflictingForeignRouteLetsOursInAtOnce() throws Exception {
        Route foreign = via("10.244.1.0/26", "10.168.0.99");
        kernel.foreign.put(foreign.key(), foreign);
        start(Duration.ofHours(1));
        Route ours = via("10.244.1.0/26", "10.168.0.1");
        rec.setDesired("hostgw", List.of(ours));
        Poll.until("conflict reported", T, () -> rec.problems().containsKey(ours.key()));
        synchronized (kernel) {
            kernel.foreign.remove(foreign.key());
        }
        kernel.emit(new RouteTable.Event.ForeignRouteRemoved());
        Poll.until("ours programmed without waiting for a resync", T, () -> ours.equals(kernel.snapshot().get(ours.key())));
    }
}
