package dev.viaduct.cli;

import dev.viaduct.bgp.config.ConfigException;
import dev.viaduct.bgp.config.SpeakerConfigFile;
import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SocketTransport;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.speaker.Transport;
import dev.viaduct.bgp.transport.TcpMd5Transport;
import dev.viaduct.speakerops.SpeakerHttp;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code viaduct bgp --config FILE}: the standalone BGP speaker (a route reflector, a route server for a
 * lab, a test peer). Runs until SIGTERM/SIGINT, printing one line per peer state change, with an HTTP endpoint
 * on {@code http.listen} (default 127.0.0.1:9179; see {@link SpeakerHttp}); {@code --check}
 * only validates the file. Exit codes: 0 stopped cleanly or config valid, 1 could not start, 2 bad config.
 *
 * <p>On Linux it runs on the agent's transport, {@link TcpMd5Transport}, so a peer with a {@code password}
 * gets TCP MD5 signatures (RFC 2385); elsewhere on plain JDK sockets, which refuse such a peer at start.
 */
@Command(name = "bgp", mixinStandardHelpOptions = true,
        description = "Run a standalone BGP speaker (e.g. a route reflector) from a YAML or JSON config file.")
final class BgpCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Speaker configuration (YAML or JSON).")
    Path config;

    @Option(names = "--check", description = "Validate the configuration, print a summary and exit.")
    boolean check;

    @Option(names = "--heap-budget", description = "Print the maximum heap this configuration needs (e.g. 96m, for -Xmx) and exit.")
    boolean heapBudget;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SpeakerConfig cfg;
        InetSocketAddress httpListen;
        SpeakerConfigFile.Loaded loaded;
        try {
            loaded = SpeakerConfigFile.load(config);
            cfg = loaded.speaker();
            httpListen = loaded.http().listen();
        } catch (ConfigException e) {
            err.println("viaduct bgp: " + config + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        if (heapBudget) {
            // bin/viaduct asks this before it starts the speaker's JVM with -Xmx of the answer
            out.printf("%dm%n", loaded.heapMegabytes());
            return 0;
        }
        if (check) {
            out.printf("%s: AS %d, router ID %s, listen %s, %d peer(s), %d route(s)%n", config, cfg.asn(),
                    cfg.routerId().getHostAddress(), cfg.listen() == null ? "none" : cfg.listen(), cfg.peers().size(), cfg.routes().size());
            out.printf("  expected routes %s, heap budget %d MiB%n", cfg.expectedRoutes().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .map(e -> e.getKey().label() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")), loaded.heapMegabytes());
            out.printf("  http %s%n", httpListen == null ? "off" : httpListen.getAddress().getHostAddress() + ":" + httpListen.getPort());
            for (PeerConfig p : cfg.peers()) {
                out.printf("  peer %s %s:%d AS %d%s%s%n", p.name(), p.address().getHostAddress(), p.port(), p.asn(),
                        p.rrClient() ? " rr-client" : "", p.passive() ? " passive" : "");
            }
            return 0;
        }
        // before the speaker starts, so its own warm-up call finds the work done (see BgpWarmup for why here)
        BgpWarmup.beforeFirstSpeaker(cfg.jitWarmupRoutes());
        BgpSpeaker speaker;
        try {
            speaker = BgpSpeaker.start(cfg, transport(), NextHopResolver.ALL_REACHABLE, System::nanoTime);
        } catch (IOException | IllegalArgumentException e) {
            err.println("viaduct bgp: cannot start: " + e.getMessage());
            return 1;
        }
        SpeakerHttp http = null;
        if (httpListen != null) {
            try {
                http = new SpeakerHttp(speaker, httpListen, System::nanoTime);
            } catch (IOException e) {
                speaker.close();
                err.println("viaduct bgp: cannot start: http.listen " + httpListen.getAddress().getHostAddress() + ":"
                        + httpListen.getPort() + ": " + e.getMessage() + " (set http.listen to another address, or \"\" for none)");
                return 1;
            }
        }
        SpeakerHttp endpoint = http;
        CountDownLatch stopped = new CountDownLatch(1);
        speaker.onPeerStateChange(c -> {
            synchronized (out) {
                out.printf("peer=%s address=%s state=%s->%s cause=\"%s\"%n", c.peer(), c.address().getHostAddress(), c.from(), c.to(), c.cause());
                out.flush();
            }
        });
        out.printf("viaduct bgp: AS %d router ID %s listening on %s with %d peer(s)%n", cfg.asn(), cfg.routerId().getHostAddress(),
                speaker.listenAddress() == null ? "nothing" : speaker.listenAddress(), cfg.peers().size());
        if (endpoint != null) {
            out.printf("viaduct bgp: http on %s:%d (/healthz /readyz /status /metrics /routes)%n",
                    httpListen.getAddress().getHostAddress(), endpoint.port());
        }
        out.flush();
        Thread hook = new Thread(() -> {
            if (endpoint != null) {
                endpoint.close();
            }
            speaker.close();
            stopped.countDown();
        }, "viaduct-bgp-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
    }

    /** TCP MD5 needs Linux's TCP_MD5SIG socket option (and the transport's epoll): the FFM transport there only. */
    static Transport transport() {
        return System.getProperty("os.name", "").equals("Linux") ? new TcpMd5Transport() : SocketTransport.INSTANCE;
    }
}
