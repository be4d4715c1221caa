package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `viaduct ctl` as scripts see it: output, JSON and exit codes, against a stand-in agent serving hand-made /status. */
class CtlCommandTest {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicReference<String> status = new AtomicReference<>();
    HttpServer agent;
    String agentUrl;

    @BeforeEach
    void startAgent() throws IOException {
        agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        agent.createContext("/status", ex -> {
            byte[] b = status.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (var o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        agent.start();
        agentUrl = "http://127.0.0.1:" + agent.getAddress().getPort();
    }

    @AfterEach
    void stopAgent() {
        agent.stop(0);
    }

    static String resource(String name) throws IOException {
        try (InputStream in = CtlCommandTest.class.getResourceAsStream("/dev/viaduct/ctl/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void routesOfAHealthyAgentExitZeroAndListEveryDestination() throws IOException {
        status.set(resource("status-hostgw-lab.json"));
        assertThat(run("ctl", "routes", "--agent", agentUrl)).isZero();
        assertThat(out.toString()).startsWith("node n1 (" + agentUrl + "): 5 routes, kernel matches the agent\n");
        assertThat(out.toString()).contains("ok     10.244.97.0/26    10.244.97.0/26 via 10.213.7.12 dev eth0");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void routesThatDifferAreMarkedAndExitOneInTableAndJson() throws IOException {
        // the kernel lost the route to n3's block: desired but missing
        String s = resource("status-hostgw-lab.json");
        JsonNode tree = JsonMapper.builder().build().readTree(s);
        var kernel = (tools.jackson.databind.node.ArrayNode) tree.get("kernelRoutes");
        for (int i = 0; i < kernel.size(); i++) {
            if (kernel.get(i).get("destination").asString().equals("10.244.97.64/26")) {
                kernel.remove(i);
                break;
            }
        }
        status.set(tree.toString());
        assertThat(run("ctl", "routes", "--agent", agentUrl)).isEqualTo(1);
        assertThat(out.toString()).contains("5 routes, 1 difference")
                .contains("!  missing  10.244.97.64/26   10.244.97.64/26 via 10.213.7.13 dev eth0     -");
        out.getBuffer().setLength(0);
        assertThat(run("ctl", "routes", "--agent", agentUrl, "-o", "json")).isEqualTo(1);
        JsonNode j = JsonMapper.builder().build().readTree(out.toString());
        assertThat(j.get("nodes").get(0).get("differences").asInt()).isEqualTo(1);
        JsonNode missing = null;
        for (JsonNode r : j.get("nodes").get(0).get("routes")) {
            if (r.get("state").asString().equals("missing")) {
                missing = r;
            }
        }
        assertThat(missing).isNotNull();
        assertThat(missing.get("destination").asString()).isEqualTo("10.244.97.64/26");
        assertThat(missing.get("kernel").isNull()).isTrue();
    }

    @Test
    void peersInHostGwModeSayThereAreNoneAndExitZero() throws IOException {
        status.set(resource("status-hostgw-lab.json"));
        assertThat(run("ctl", "peers", "--agent", agentUrl)).isZero();
        assertThat(out.toString()).isEqualTo("node n1: no BGP peers (mode host-gw: routes come from the datastore, not BGP)\n");
        out.getBuffer().setLength(0);
        assertThat(run("ctl", "peers", "--agent", agentUrl, "-o", "json")).isZero();
        assertThat(JsonMapper.builder().build().readTree(out.toString()).get("nodes").get(0).get("peers").size()).isZero();
    }

    @Test
    void peersInBgpModeAreTabulatedAndASessionNotEstablishedIsExitOne() throws IOException {
        status.set(resource("status-bgp.json"));
        assertThat(run("ctl", "peers", "--agent", agentUrl)).isEqualTo(1);
        assertThat(out.toString().lines().toList()).containsExactly(
                "NODE  PEER  ADDRESS      ASN    STATE        UPTIME  RECEIVED  ACCEPTED  ADVERTISED  LAST ERROR",
                "n2    n1    10.168.0.11  64512  Established  1h2m    2         2         1           -",
                "n2    tor   10.168.0.1   65000  Active       -       0         0         0           connect: connection refused");
        out.getBuffer().setLength(0);
        assertThat(run("ctl", "peers", "--agent", agentUrl, "-o", "json")).isEqualTo(1);
        JsonNode p = JsonMapper.builder().build().readTree(out.toString()).get("nodes").get(0).get("peers");
        assertThat(p.get(0).get("uptimeSeconds").asLong()).isEqualTo(3725);
        assertThat(p.get(1).get("state").asString()).isEqualTo("Active");
    }

    @Test
    void anAgentThatIsNotThereOrNotAnAgentIsExitThree() {
        agent.stop(0);
        assertThat(run("ctl", "routes", "--agent", agentUrl)).isEqualTo(3);
        assertThat(err.toString()).startsWith("viaduct ctl routes: cannot reach agent at " + agentUrl + ": connection refused");
    }

    @Test
    void somethingThatIsNotAStatusDocumentIsExitThreeWithTheReason() {
        status.set("{\"hello\": \"world\"}");
        assertThat(run("ctl", "peers", "--agent", agentUrl, "-o", "json")).isEqualTo(3);
        assertThat(err.toString()).contains("status from " + agentUrl + ": node: missing");
        assertThat(JsonMapper.builder().build().readTree(out.toString()).get("exitCode").asInt()).isEqualTo(3);
    }

    @Test
    void anUnreachableEtcdIsExitThree() {
        assertThat(run("ctl", "nodes", "--etcd", "http://127.0.0.1:1", "--timeout", "1s")).isEqualTo(3);
        assertThat(err.toString()).startsWith("viaduct ctl nodes: cannot reach etcd at http://127.0.0.1:1");
    }

    @Test
    void usageErrorsAreExitTwoWithOneLineNamingTheProblem() {
        assertThat(run("ctl", "explain", "10.0.0.1", "not-an-ip")).isEqualTo(2);
        assertThat(err.toString().strip().lines()).containsExactly("viaduct ctl explain: Invalid value for positional parameter"
                + " at index 1 (POD_IP_B): 'not-an-ip' is not an IP address (see 'viaduct ctl explain --help')");
        err.getBuffer().setLength(0);
        assertThat(run("ctl", "nodes", "-o", "yaml")).isEqualTo(2);
        assertThat(err.toString()).contains("--output: 'yaml' must be table or json");
        err.getBuffer().setLength(0);
        assertThat(run("ctl", "ipam", "show", "--pool", "10.0.0.0/8", "--node", "n1")).isEqualTo(2);
        assertThat(err.toString()).contains("mutually exclusive");
        err.getBuffer().setLength(0);
        assertThat(run("ctl", "ipam", "release")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required argument (specify one of these): (--ip=IP | --node=NODE)");
        err.getBuffer().setLength(0);
        assertThat(run("ctl", "ipam", "check", "--reclaim-after", "ten minutes")).isEqualTo(2);
        assertThat(err.toString()).contains("--reclaim-after");
        err.getBuffer().setLength(0);
        assertThat(run("ctl", "nodes", "--etcd", "etcd:2379")).isEqualTo(2);
        assertThat(err.toString()).contains("etcd.endpoints[0]: 'etcd:2379' is not http(s)://host:port");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void helpDocumentsTheExitCodes() {
        assertThat(run("ctl", "--help")).isZero();
        assertThat(out.toString()).contains("nodes").contains("routes").contains("peers").contains("ipam").contains("explain")
                .contains("Exit codes: 0 ok, 1 problem found").contains("3 etcd or an agent could not be reached");
    }
}
