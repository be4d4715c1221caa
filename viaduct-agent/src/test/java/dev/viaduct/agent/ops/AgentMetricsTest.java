package dev.viaduct.agent.ops;

import dev.viaduct.ops.StandardMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
    final AgentMetrics m = new AgentMetrics();

    String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, m.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    double sample(String text, String sample) {
        Matcher x = Pattern.compile("^" + Pattern.quote(sample) + " ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(text);
        return x.find() ? Double.parseDouble(x.group(1)) : Double.NaN;
    }

    @Test
    void jvmProcessAndBuildInfoMetricsAreExported() throws IOException {
        String t = scrape();
        assertThat(sample(t, "viaduct_build_info{java=\"" + Runtime.version() + "\",version=\"" + StandardMetrics.version() + "\"}"))
                .isEqualTo(1);
        // the build filters the project version into build.properties: a test run is part of a build
        assertThat(StandardMetrics.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(sample(t, "process_cpu_seconds_total")).isGreaterThan(0);
        assertThat(sample(t, "process_resident_memory_bytes")).isGreaterThan(0);
        assertThat(sample(t, "process_open_fds")).isGreaterThan(0);
        assertThat(t).containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} ")
                .containsPattern("(?m)^jvm_threads_current ").containsPattern("(?m)^jvm_runtime_info\\{");
    }

    @Test
    void standardMetricsGoOnAnyRegistryOnce() throws IOException {
        io.prometheus.metrics.model.registry.PrometheusRegistry other = new io.prometheus.metrics.model.registry.PrometheusRegistry();
        StandardMetrics.register(other);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, other.scrape());
        String t = out.toString(StandardCharsets.UTF_8);
        assertThat(t).contains("viaduct_build_info{").contains("jvm_gc_collection_seconds").contains("process_start_time_seconds");
        assertThat(t.lines().filter(l -> l.startsWith("viaduct_build_info{")).count()).isEqualTo(1);
    }

    @Test
    void etcdRequestsAreTimedByOperationAndFailuresCountedByReason() throws IOException {
        m.finished("get", 2_000_000, null);
        m.finished("get", 3_000_000, null);
        m.finished("txn", 20_000_000_000L, "unavailable");
        m.leaseLost();
        String t = scrape();
        assertThat(sample(t, "viaduct_etcd_request_duration_seconds_count{op=\"get\"}")).isEqualTo(2);
        assertThat(sample(t, "viaduct_etcd_request_duration_seconds_sum{op=\"get\"}")).isCloseTo(0.005, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(sample(t, "viaduct_etcd_request_duration_seconds_bucket{op=\"get\",le=\"0.002\"}")).isEqualTo(1);
        assertThat(sample(t, "viaduct_etcd_request_duration_seconds_count{op=\"txn\"}")).isEqualTo(1);
        assertThat(sample(t, "viaduct_etcd_request_errors_total{op=\"txn\",reason=\"unavailable\"}")).isEqualTo(1);
        assertThat(t).doesNotContain("viaduct_etcd_request_errors_total{op=\"get\"");
        assertThat(sample(t, "viaduct_etcd_leases_lost_total")).isEqualTo(1);
    }

    @Test
    void reclaimedAddressesAndBlocksAreCounted() throws IOException {
        m.reclaimed(0, 0);
        m.reclaimed(20, 1);
        m.reclaimed(3, 2);
        String t = scrape();
        assertThat(sample(t, "viaduct_ipam_reclaimed_total{kind=\"addresses\"}")).isEqualTo(23);
        assertThat(sample(t, "viaduct_ipam_reclaimed_total{kind=\"blocks\"}")).isEqualTo(3);
    }

    @Test
    void reconcilePassesAndNetlinkErrorsAreCountedByKind() throws IOException {
        m.reconcilePass(true, 4_000_000);
        m.reconcilePass(false, 100_000);
        m.reconcilePass(false, 200_000);
        m.error("routes", "EEXIST");
        m.error("dataplane", "ENOENT");
        m.error("routes", "EEXIST");
        String t = scrape();
        assertThat(sample(t, "viaduct_route_reconcile_duration_seconds_count{kind=\"full\"}")).isEqualTo(1);
        assertThat(sample(t, "viaduct_route_reconcile_duration_seconds_count{kind=\"incremental\"}")).isEqualTo(2);
        assertThat(sample(t, "viaduct_netlink_errors_total{component=\"routes\",errno=\"EEXIST\"}")).isEqualTo(2);
        assertThat(sample(t, "viaduct_netlink_errors_total{component=\"dataplane\",errno=\"ENOENT\"}")).isEqualTo(1);
    }

    @Test
    void bgpSessionsAreExportedForEveryStateAndPrefixesPerPeerAndDirection() throws IOException {
        List<AgentMetrics.BgpPeerSample> peers = new CopyOnWriteArrayList<>(List.of(
                new AgentMetrics.BgpPeerSample("n2", "ESTABLISHED", 3, 2, 4),
                new AgentMetrics.BgpPeerSample("tor", "ACTIVE", 0, 0, 0)));
        m.bgpPeers(() -> peers);
        String t = scrape();
        assertThat(sample(t, "viaduct_bgp_sessions{state=\"Established\"}")).isEqualTo(1);
        assertThat(sample(t, "viaduct_bgp_sessions{state=\"Active\"}")).isEqualTo(1);
        assertThat(sample(t, "viaduct_bgp_sessions{state=\"Idle\"}")).isZero();
        assertThat(sample(t, "viaduct_bgp_sessions{state=\"OpenSent\"}")).isZero();
        assertThat(AgentMetrics.rfcState("OPENCONFIRM")).isEqualTo("OpenConfirm");
        assertThat(AgentMetrics.rfcState("open_sent")).isEqualTo("OpenSent");
        assertThat(sample(t, "viaduct_bgp_prefixes{direction=\"received\",peer=\"n2\"}")).isEqualTo(3);
        assertThat(sample(t, "viaduct_bgp_prefixes{direction=\"accepted\",peer=\"n2\"}")).isEqualTo(2);
        assertThat(sample(t, "viaduct_bgp_prefixes{direction=\"advertised\",peer=\"n2\"}")).isEqualTo(4);
        // read at scrape time: a session that comes up moves the gauges without re-registering
        peers.set(1, new AgentMetrics.BgpPeerSample("tor", "ESTABLISHED", 7, 7, 4));
        t = scrape();
        assertThat(sample(t, "viaduct_bgp_sessions{state=\"Established\"}")).isEqualTo(2);
        assertThat(sample(t, "viaduct_bgp_sessions{state=\"Active\"}")).isZero();
        assertThat(sample(t, "viaduct_bgp_prefixes{direction=\"received\",peer=\"tor\"}")).isEqualTo(7);
    }
}
