package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.cli.Main;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.lab.LabState;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code viaduct ctl peers} and {@code explain}, and the BGP metrics, on a real 2-node BGP lab (node-to-node
 * mesh): sessions are shown Established with their prefix counts, a path over BGP-learned routes is explained,
 * and a peer whose agent stops is shown not Established (exit 1) until it is back.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CtlBgpLabTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Duration T = Duration.ofSeconds(60);
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> new LabSpec(s.name(), 2, 1, s.subnetBase(), s.podCidr(), s.blockSize(), "bgp", false, 1,
                "Never", "Never", false));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    record Run(int exit, String out, String err) {
        JsonNode json() {
            return JSON.readTree(out);
        }
    }

    static Run ctl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ctl"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--etcd", f.lab.spec().etcdEndpoint()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(argv.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    static double metric(String node, String sample) {
        try {
            return f.metric(node, sample);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static LabState.Pod pod(String node) {
        return f.lab.pods().stream().filter(p -> p.node().equals(node)).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void peersShowsEstablishedSessionsWithPrefixCountsAndTheMetricsAgree() {
        Poll.until("both sessions established and each node's block received", T, () -> ctl("peers", "--all", "-o", "json"),
                r -> r.exit() == 0 && r.json().get("nodes").size() == 2
                        && r.json().get("nodes").get(0).get("peers").size() == 1
                        && r.json().get("nodes").get(1).get("peers").get(0).get("prefixesAccepted").asLong() >= 1
                        && r.json().get("nodes").get(0).get("peers").get(0).get("prefixesAccepted").asLong() >= 1);
        Run t = ctl("peers", "--node", "n1");
        assertThat(t.exit()).as(t.out()).isZero();
        List<String> lines = t.out().lines().toList();
        assertThat(lines.getFirst()).matches("NODE +PEER +ADDRESS +ASN +STATE +UPTIME +RECEIVED +ACCEPTED +ADVERTISED +LAST ERROR");
        assertThat(lines.get(1)).matches("n1 +\\S+ +" + f.lab.nodeAddress("n2").replace(".", "\\.")
                + " +64512 +(?i:established) +\\d+[smhd]\\S* +[1-9]\\d* +[1-9]\\d* +[1-9]\\d* +-");
        assertThat(metric("n1", "viaduct_bgp_sessions{state=\"Established\"}")).isEqualTo(1);
        assertThat(metric("n1", "viaduct_bgp_sessions{state=\"Idle\"}")).isZero();
    }

    @Test
    @Order(2)
    void explainFollowsTheBgpLearnedRouteAndRoutesNamesItsSource() {
        Run t = ctl("explain", pod("n1").ips().getFirst(), pod("n2").ips().getFirst());
        assertThat(t.exit()).as(t.out()).isZero();
        assertThat(t.out()).contains("to node n2 (" + f.lab.nodeAddress("n2") + ")");
        JsonNode routes = ctl("routes", "--node", "n1", "-o", "json").json().get("nodes").get(0).get("routes");
        boolean fromBgp = false;
        for (JsonNode r : routes) {
            assertThat(r.get("state").asString()).isEqualTo("ok");
            fromBgp |= r.get("source").asString().equals("bgp") && r.get("desired").asString().contains(f.lab.nodeAddress("n2"));
        }
        assertThat(fromBgp).as("a route to n2's block from source bgp in %s", routes).isTrue();
    }

    @Test
    @Order(3)
    void aPeerWhoseAgentStoppedIsNotEstablishedUntilItIsBack() {
        f.lab.stopAgent("n2", false);
        try {
            Run down = Poll.until("n1's session with n2 to leave Established", T, () -> ctl("peers", "--node", "n1"),
                    r -> r.exit() == 1);
            assertThat(down.out()).doesNotContainIgnoringCase(" established ");
            Poll.until("the metric to follow", T, () -> metric("n1", "viaduct_bgp_sessions{state=\"Established\"}") == 0);
        } finally {
            try {
                f.lab.startAgent("n2");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        f.lab.awaitAgent("n2", T);
        Poll.until("the session to be Established again", T, () -> ctl("peers", "--all").exit() == 0);
    }
}
