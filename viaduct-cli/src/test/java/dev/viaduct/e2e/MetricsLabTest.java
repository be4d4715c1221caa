package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.lab.LabState;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 10's metrics acceptance: scrape {@code /metrics} of a lab agent and watch the counters move as pods are
 * added and deleted, a CNI call fails, a route is deleted behind the agent's back and a foreign route blocks one
 * of its routes. The lab starts with no pods, so every expected value is exact.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsLabTest {
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(2).withPodsPerNode(0));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    static double m(String node, String sample) {
        try {
            return f.metric(node, sample);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void await(String node, String sample, double want) {
        Poll.until(node + " " + sample + " == " + want, Duration.ofSeconds(15), () -> m(node, sample), v -> v == want);
    }

    @Test
    @Order(1)
    void podsMoveTheCniIpamAndRouteMetrics() throws Exception {
        assertThat(m("n1", "viaduct_cni_requests_total{result=\"ok\",verb=\"ADD\"}")).isZero();
        assertThat(m("n1", "viaduct_ipam_addresses_in_use")).isZero();
        assertThat(m("n1", "viaduct_ipam_blocks")).isZero();
        double etcdTxns = m("n1", "viaduct_etcd_request_duration_seconds_count{op=\"txn\"}");

        LabState.Pod p1 = f.lab.addPod("n1", "m1", null);
        f.lab.addPod("n1", "m2", null);
        assertThat(m("n1", "viaduct_cni_requests_total{result=\"ok\",verb=\"ADD\"}")).isEqualTo(2);
        assertThat(m("n1", "viaduct_cni_request_duration_seconds_count{result=\"ok\",verb=\"ADD\"}")).isEqualTo(2);
        assertThat(m("n1", "viaduct_cni_request_duration_seconds_sum{result=\"ok\",verb=\"ADD\"}")).isPositive();
        // IPAM's share comes from the block watch: eventually
        await("n1", "viaduct_ipam_addresses_in_use", 2);
        await("n1", "viaduct_ipam_blocks", 1);
        assertThat(m("n1", "viaduct_ipam_block_addresses")).isEqualTo(64);
        // two pod routes and the block's blackhole
        await("n1", "viaduct_routes_desired", 3);
        await("n1", "viaduct_routes_programmed", 3);
        // the other node routes the new block
        await("n2", "viaduct_routes_desired", 1);
        // the assignments were etcd transactions, timed by the datastore decorator
        assertThat(m("n1", "viaduct_etcd_request_duration_seconds_count{op=\"txn\"}")).isGreaterThan(etcdTxns);
        // the node record's lease, and the IPAM reclaimer's lock lease if n1 took the lock (one agent of the lab does)
        assertThat(m("n1", "viaduct_etcd_request_duration_seconds_count{op=\"lease_grant\"}")).isBetween(1.0, 2.0);

        f.lab.deletePod(p1);
        assertThat(m("n1", "viaduct_cni_requests_total{result=\"ok\",verb=\"DEL\"}")).isEqualTo(1);
        await("n1", "viaduct_ipam_addresses_in_use", 1);
        await("n1", "viaduct_routes_desired", 2);
    }

    @Test
    @Order(2)
    void aFailedCniCallIsCountedWithItsErrorCode() {
        // a static address outside every pool: refused with Viaduct's code 101 (README "CNI errors")
        assertThatThrownBy(() -> f.lab.addPod("n1", "bad", "192.0.2.5")).isInstanceOf(IOException.class);
        assertThat(m("n1", "viaduct_cni_requests_total{result=\"101\",verb=\"ADD\"}")).isEqualTo(1);
        assertThat(m("n1", "viaduct_cni_request_duration_seconds_count{result=\"101\",verb=\"ADD\"}")).isEqualTo(1);
        assertThat(m("n1", "viaduct_cni_requests_total{result=\"ok\",verb=\"ADD\"}")).isEqualTo(2);
    }

    @Test
    @Order(3)
    void aRouteDeletedBehindTheAgentsBackIsCountedAsDriftAndReconciled() {
        String route = f.lab.routes("n1").stream().filter(r -> r.contains(" dev vdc")).findFirst().orElseThrow();
        String dst = route.substring(0, route.indexOf(' '));
        double drifted = m("n1", "viaduct_routes_drifted_total");
        double incremental = m("n1", "viaduct_route_reconcile_duration_seconds_count{kind=\"incremental\"}");
        double changes = m("n1", "viaduct_route_changes_total");
        f.ip("n1", "route", "del", dst, "proto", "86").orThrow();
        Poll.until("the deleted route to come back", Duration.ofSeconds(10), () -> f.lab.routes("n1").contains(route));
        Poll.until("drift to be counted", Duration.ofSeconds(10), () -> m("n1", "viaduct_routes_drifted_total") == drifted + 1);
        assertThat(m("n1", "viaduct_route_changes_total")).isEqualTo(changes + 1);
        assertThat(m("n1", "viaduct_route_reconcile_duration_seconds_count{kind=\"incremental\"}")).isGreaterThan(incremental);
    }

    @Test
    @Order(4)
    void aForeignRouteInTheWayIsCountedAsANetlinkError() {
        String remote = f.lab.routes("n2").stream().filter(r -> r.contains(" via ")).findFirst().orElseThrow();
        String dst = remote.substring(0, remote.indexOf(' '));
        String sample = "viaduct_netlink_errors_total{component=\"routes\",errno=\"EEXIST\"}";
        double before = m("n2", sample);
        f.ip("n2", "route", "replace", dst, "via", f.lab.spec().subnetBase() + ".99", "dev", "eth0", "proto", "static").orThrow();
        try {
            // the agent's ADD of its own route is refused (EEXIST) on its next pass
            Poll.until("EEXIST to be counted", Duration.ofSeconds(30), () -> m("n2", sample) > before);
            Poll.until("the route problem to show", Duration.ofSeconds(10), () -> m("n2", "viaduct_routes_problems") == 1);
        } finally {
            f.ip("n2", "route", "del", dst, "proto", "static").orThrow();
        }
        Poll.until("the agent's own route to be back", Duration.ofSeconds(30), () -> f.lab.routes("n2").contains(remote));
        Poll.until("the problem to clear", Duration.ofSeconds(10), () -> m("n2", "viaduct_routes_problems") == 0);
    }

    static String get(String node, String path) {
        try {
            return f.get(node, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(5)
    void healthAndReadinessAnswerAndEveryDocumentedMetricIsExported() {
        assertThat(get("n1", "/healthz")).isEqualTo("ok\n");
        assertThat(get("n1", "/readyz")).isEqualTo("ready\n");
        String body = get("n1", "/metrics");
        for (String name : java.util.List.of("viaduct_routes_desired", "viaduct_routes_programmed", "viaduct_routes_drifted_total",
                "viaduct_route_reconcile_duration_seconds_bucket", "viaduct_cni_requests_total",
                "viaduct_cni_request_duration_seconds_bucket", "viaduct_ipam_blocks", "viaduct_ipam_addresses_in_use",
                "viaduct_etcd_request_duration_seconds_bucket", "viaduct_etcd_leases_lost_total")) {
            assertThat(body).as("metric %s", name).containsPattern("(?m)^" + name + "[{ ]");
        }
    }

    @Test
    @Order(6)
    void theAgentExportsJvmProcessAndBuildInfoMetrics() {
        String body = get("n1", "/metrics");
        for (String name : java.util.List.of("jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds_count",
                "jvm_runtime_info", "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                "process_start_time_seconds")) {
            assertThat(body).as("metric %s", name).containsPattern("(?m)^" + name + "[{ ]");
        }
        assertThat(body).containsPattern("(?m)^viaduct_build_info\\{java=\"[^\"]+\",version=\"\\d+\\.\\d+\\.\\d+[^\"]*\"} 1(\\.0)?$");
        assertThat(m("n1", "process_open_fds")).isPositive();
    }
}
