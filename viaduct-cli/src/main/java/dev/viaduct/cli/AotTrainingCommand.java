package dev.viaduct.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Exercises the launcher's start-up paths once so a JDK AOT cache recorded during this run
 * ({@code -XX:AOTCacheOutput}) holds the classes those commands load and the profiles of what they run:
 * picocli's model building, parsing and help rendering, the version provider, and the {@code ctl} commands
 * end to end (options, the etcd gateway client, the agent client, JSON and table reports). The ctl commands
 * talk to a stand-in on loopback that answers like an etcd with no Viaduct keys and like an agent that is
 * not ready, so training needs no cluster (the image build has none). bin/viaduct and the image run it.
 */
@Command(name = "aot-train", hidden = true, description = "Record start-up classes for the AOT cache (run by bin/viaduct).")
final class AotTrainingCommand implements Callable<Integer> {
    /** An etcd range answer with no keys, as etcd's JSON gateway writes it (int64 as strings, empty fields left out). */
    private static final byte[] EMPTY_RANGE = "{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"1\",\"revision\":\"1\",\"raft_term\":\"1\"}}"
            .getBytes(StandardCharsets.UTF_8);

    @Override
    public Integer call() throws IOException {
        StringWriter sink = new StringWriter();
        PrintWriter w = new PrintWriter(sink);
        Main.run(new String[] {"--version"}, w, w);
        Main.run(new String[] {"--help"}, w, w);
        Main.run(new String[] {"nonsense"}, w, w);
        for (String sub : Main.commandLine().getSubcommands().keySet()) {
            if (!sub.equals("aot-train")) {
                Main.run(new String[] {sub, "--help"}, w, w);
            }
        }
        HttpServer standIn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        standIn.createContext("/v3/", x -> {
            x.getRequestBody().readAllBytes();
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, EMPTY_RANGE.length);
            x.getResponseBody().write(EMPTY_RANGE);
            x.close();
        });
        standIn.createContext("/", x -> {
            x.sendResponseHeaders(503, -1);
            x.close();
        });
        standIn.start();
        try {
            String url = "http://127.0.0.1:" + standIn.getAddress().getPort();
            List<String> common = List.of("--etcd", url, "--agent", url, "--timeout", "2s");
            for (List<String> cmd : List.of(List.of("ctl", "nodes"), List.of("ctl", "nodes", "-o", "json"), List.of("ctl", "routes"),
                    List.of("ctl", "peers"), List.of("ctl", "ipam", "show"), List.of("ctl", "ipam", "check"),
                    List.of("ctl", "policy", "list"), List.of("ctl", "explain", "10.0.0.1", "10.0.0.2"))) {
                String[] args = java.util.stream.Stream.concat(cmd.stream(), common.stream()).toArray(String[]::new);
                Main.run(args, w, w);
            }
            Main.run(new String[] {"ctl", "bgp", "peers", "--speaker", url, "--timeout", "2s"}, w, w);
        } finally {
            standIn.stop(0);
        }
        w.flush();
        return sink.getBuffer().isEmpty() ? 1 : 0;
    }
}
