package dev.viaduct.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Exercises the launcher's start-up paths once so a JDK AOT cache recorded during this run
 * ({@code -XX:AOTCacheOutput}) holds the classes those commands load and the profiles of what they run:
 * picocli's model building, parsing and help rendering, the version provider, and the {@code ctl} commands
 * end to end (options, the etcd gateway client, record decoding, the agent client, JSON and table reports). The
 * ctl commands talk to a stand-in on loopback that answers like an etcd holding three node records and a pool and
 * like agents that are not ready, so training needs no cluster (the image build has none). bin/viaduct and the image run it.
 *
 * <p>With {@code --short}, only {@code --version} and {@code ctl} (their help and the commands): the cache of the
 * short commands' own class path ({@code viaduct-short.jar}), which has none of the daemons' classes to load. With
 * {@code --ctl}, only the commands {@link CtlShortcut} takes, as tables and JSON, except {@code policy list|show}
 * (NetworkPolicy decoding: ~330 classes more): with AOT class linking the JVM loads every class of its cache at
 * start, and these need neither picocli's model nor databind's mapper (three quarters of the classes of the
 * {@code --short} cache). With {@code --bgp}, only {@code viaduct bgp} as a route reflector with clients
 * ({@link BgpTraining}): the cache of the bgp role's class path.
 */
@Command(name = "aot-train", hidden = true, description = "Record start-up classes for the AOT cache (run by bin/viaduct).")
final class AotTrainingCommand implements Callable<Integer> {
    private static final String POLICY = "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\","
            + "\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"web\"}},"
            + "\"ingress\":[{\"from\":[{\"namespaceSelector\":{}}],\"ports\":[{\"protocol\":\"TCP\",\"port\":80}]}]}}";

    /**
     * Answers of the stand-in etcd: three node records and a pool, as an agent and the first agent write them, and a
     * NetworkPolicy (listed and shown).
     */
    private static final Map<String, List<String>> RECORDS = Map.of(
            "/viaduct/v1/nodes/", List.of(node(1), node(2), node(3)),
            "/viaduct/v1/ipam/pools/", List.of("{\"cidr\":\"10.244.0.0/16\",\"blockSize\":26}"),
            "/viaduct/v1/policies/", List.of(POLICY),
            "/viaduct/v1/policies/default/web", List.of(POLICY));

    private static String node(int i) {
        return "{\"name\":\"n" + i + "\",\"addresses\":[\"10.0.0." + i + "/24\"],\"mode\":\"host-gw\",\"asn\":64512,"
                + "\"agentUrl\":\"http://127.0.0.1:1\"}";
    }

    /** An etcd range answer as the JSON gateway writes it (int64 as strings, base64 bytes, empty fields left out). */
    private static byte[] rangeAnswer(byte[] request) {
        String key = "";
        var m = java.util.regex.Pattern.compile("\"key\":\"([^\"]*)\"").matcher(new String(request, StandardCharsets.UTF_8));
        if (m.find()) {
            key = new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
        }
        StringBuilder kvs = new StringBuilder();
        List<String> values = RECORDS.getOrDefault(key, List.of());
        for (int i = 0; i < values.size(); i++) {
            String k = key + i;
            kvs.append(i == 0 ? "" : ",").append("{\"key\":\"").append(Base64.getEncoder().encodeToString(k.getBytes(StandardCharsets.UTF_8)))
                    .append("\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"")
                    .append(Base64.getEncoder().encodeToString(values.get(i).getBytes(StandardCharsets.UTF_8))).append("\"}");
        }
        return ("{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"1\",\"revision\":\"2\",\"raft_term\":\"1\"}"
                + (values.isEmpty() ? "" : ",\"kvs\":[" + kvs + "],\"count\":\"" + values.size() + "\"") + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Option(names = "--short", description = "Only the short commands (--version, ctl), for their own class path and cache.")
    boolean shortOnly;

    @Option(names = "--ctl", description = "Only the ctl commands parsed without picocli that use its cache (nodes, routes, peers, ipam show|check, explain).")
    boolean ctlOnly;

    @Option(names = "--bgp", description = "Only viaduct bgp with sessions and routes, for the bgp role's class path and cache.")
    boolean bgpOnly;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (ctlOnly) {
            return trainShortcut();
        }
        StringWriter sink = new StringWriter();
        PrintWriter w = new PrintWriter(sink);
        if (bgpOnly) {
            return BgpTraining.run(w);
        }
        Main.run(new String[] {"--version"}, w, w);
        if (shortOnly) {
            Main.run(new String[] {"ctl", "--help"}, w, w);
            Main.run(new String[] {"ctl", "nodes", "--help"}, w, w);
        } else {
            Main.run(new String[] {"--help"}, w, w);
            Main.run(new String[] {"nonsense"}, w, w);
            for (String sub : Main.commandLine().getSubcommands().keySet()) {
                if (!sub.equals("aot-train")) {
                    Main.run(new String[] {sub, "--help"}, w, w);
                }
            }
        }
        return ctl(List.of(List.of("ctl", "nodes"), List.of("ctl", "nodes", "-o", "json"), List.of("ctl", "routes"),
                List.of("ctl", "peers"), List.of("ctl", "ipam", "show"), List.of("ctl", "ipam", "check"),
                List.of("ctl", "policy", "list"), List.of("ctl", "policy", "show", "default/web"),
                List.of("ctl", "explain", "10.0.0.1", "10.0.0.2"),
                List.of("ctl", "bgp", "peers")), sink, w);
    }

    /**
     * {@code aot-train --ctl}: the commands {@link CtlShortcut} takes, as tables and JSON, but its policy lines (they
     * run on the short cache). {@link Main} runs it before picocli, so that the cache recorded holds none of picocli's
     * model classes either.
     */
    static int trainShortcut() {
        System.getenv("VIADUCT_ETCD"); // the environment's classes: ctl reads $VIADUCT_ETCD when --etcd is not given
        StringWriter sink = new StringWriter();
        return ctl(List.of(List.of("ctl", "nodes"), List.of("ctl", "nodes", "-o", "json"), List.of("ctl", "routes"),
                List.of("ctl", "peers", "-o", "json"), List.of("ctl", "ipam", "show"), List.of("ctl", "ipam", "check"),
                List.of("ctl", "explain", "10.0.0.1", "10.0.0.2"), List.of("ctl", "explain", "10.244.0.1", "10.244.0.2")),
                sink, new PrintWriter(sink));
    }

    /** Runs each ctl command line against the stand-in (etcd, agents and a speaker on one loopback port). */
    private static int ctl(List<List<String>> lines, StringWriter sink, PrintWriter w) {
        HttpServer standIn;
        try {
            standIn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            // no loopback (a build sandbox without one): the cache then holds the parsing and help paths only
            w.flush();
            return sink.getBuffer().isEmpty() ? 1 : 0;
        }
        standIn.createContext("/v3/", x -> {
            byte[] answer = rangeAnswer(x.getRequestBody().readAllBytes());
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, answer.length);
            x.getResponseBody().write(answer);
            x.close();
        });
        standIn.createContext("/", x -> {
            x.sendResponseHeaders(503, -1);
            x.close();
        });
        standIn.start();
        try {
            String url = "http://127.0.0.1:" + standIn.getAddress().getPort();
            for (List<String> cmd : lines) {
                List<String> common = cmd.contains("bgp") ? List.of("--speaker", url, "--timeout", "2s")
                        : List.of("--etcd", url, "--agent", url, "--timeout", "2s");
                String[] args = java.util.stream.Stream.concat(cmd.stream(), common.stream()).toArray(String[]::new);
                Main.run(args, w, w);
            }
        } finally {
            standIn.stop(0);
        }
        w.flush();
        return sink.getBuffer().isEmpty() ? 1 : 0;
    }
}
