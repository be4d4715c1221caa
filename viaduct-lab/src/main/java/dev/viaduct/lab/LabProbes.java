package dev.viaduct.lab;

import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.Rtnl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the lab observes without changing anything: reachability between pods (ICMP, and a TCP echo), each
 * node's routes read over rtnetlink and printed like {@code ip route}, and the status text. Reads only, so the
 * pings of {@link #pingMatrix} run in parallel on virtual threads (each forks {@code ip netns exec ping}).
 */
final class LabProbes {
    private final LabState state;
    private final LabTopology topology;
    private final LabDaemons daemons;

    LabProbes(LabState state, LabTopology topology, LabDaemons daemons) {
        this.state = state;
        this.topology = topology;
        this.daemons = daemons;
    }

    /**
     * Pings every pod pair (ICMP, one echo to each of the target's addresses — both families in dual-stack labs —
     * 1 s timeout), in parallel; a pair is ok when every address answered.
     */
    Lab.Matrix pingMatrix(List<LabState.Pod> pods) {
        boolean[][] ok = new boolean[pods.size()][pods.size()];
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < pods.size(); i++) {
                for (int j = 0; j < pods.size(); j++) {
                    if (i == j) {
                        continue;
                    }
                    int a = i;
                    int b = j;
                    fs.add(ex.submit(() -> {
                        boolean all = true;
                        for (String ip : pods.get(b).ips()) {
                            all &= ping(pods.get(a), ip, 1);
                        }
                        ok[a][b] = all;
                        return all;
                    }));
                }
            }
            for (var f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("ping matrix failed: " + e, e);
        }
        return new Lab.Matrix(pods, ok);
    }

    /** {@code ping -c count -W 1} from a pod's namespace; true when every echo was answered. */
    static boolean ping(LabState.Pod from, String to, int count) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", from.namespace(), "ping", "-n", "-q", "-c",
                Integer.toString(count), "-i", "0.2", "-W", "1", to).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    /**
     * Opens a TCP connection from {@code from} to a listener in {@code to}, sends five bytes and checks the echo:
     * a real connection through both kernels, not just ICMP.
     */
    static boolean tcp(LabState.Pod from, LabState.Pod to) throws Exception {
        String target = to.ips().getFirst();
        try (NetNamespace srvNs = NetNamespace.openNamed(to.namespace()); NetNamespace cliNs = NetNamespace.openNamed(from.namespace())) {
            ServerSocket server = srvNs.run(() -> {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(target, 0));
                return s;
            });
            try (server) {
                Thread echo = Thread.ofVirtual().start(() -> {
                    try (Socket c = server.accept(); InputStream in = c.getInputStream(); OutputStream o = c.getOutputStream()) {
                        o.write(in.readNBytes(5));
                    } catch (IOException ignored) {
                        // the client side reports the failure
                    }
                });
                int port = server.getLocalPort();
                String got = cliNs.run(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(target, port), 2000);
                        s.setSoTimeout(2000);
                        s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                        return new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII);
                    } catch (IOException e) {
                        return "error: " + e.getMessage();
                    }
                });
                echo.join(2000);
                return got.equals("hello");
            }
        }
    }

    /**
     * One connection attempt from {@code from}'s namespace to a {@link PodListener}: TCP connects within
     * {@code timeout} and reads the port number it answers; UDP sends one datagram and waits {@code timeout} for
     * the answer. True when the answer came (the connection was allowed both ways).
     */
    static boolean probe(LabState.Pod from, String toIp, int port, boolean udp, Duration timeout) throws Exception {
        int ms = (int) Math.max(1, timeout.toMillis());
        String want = port + "\n";
        try (NetNamespace ns = NetNamespace.openNamed(from.namespace())) {
            return ns.run(() -> {
                InetSocketAddress to = new InetSocketAddress(InetAddress.ofLiteral(toIp), port);
                if (udp) {
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.setSoTimeout(ms);
                        byte[] ping = "probe".getBytes(StandardCharsets.US_ASCII);
                        s.send(new DatagramPacket(ping, ping.length, to));
                        DatagramPacket got = new DatagramPacket(new byte[64], 64);
                        s.receive(got);
                        return new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII).equals(want);
                    } catch (IOException e) {
                        return false;
                    }
                }
                try (Socket s = new Socket()) {
                    s.connect(to, ms);
                    s.setSoTimeout(ms);
                    return new String(s.getInputStream().readNBytes(want.length()), StandardCharsets.US_ASCII).equals(want);
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    /** Viaduct's routes of both families in a node's main table, formatted like {@code ip route}, sorted. */
    List<String> routes(String node) {
        return routeLines(node, r -> {
            List<Route> all = new ArrayList<>(r.routes(AddressFamily.INET, Route.MAIN, RouteProtocol.VIADUCT));
            all.addAll(r.routes(AddressFamily.INET6, Route.MAIN, RouteProtocol.VIADUCT));
            return all;
        }, rt -> true);
    }

    /** All routes of a node's main table (any protocol), formatted like {@code ip route}, sorted. */
    List<String> allRoutes(String node) {
        return routeLines(node, r -> r.routes(AddressFamily.INET), rt -> rt.table() == Route.MAIN);
    }

    private List<String> routeLines(String node, Function<Rtnl, List<Route>> dump, Predicate<Route> keep) {
        try (NetNamespace ns = NetNamespace.openNamed(state.spec.nodeNs(node)); Rtnl r = ns.openRtnl()) {
            Map<Integer, String> names = new LinkedHashMap<>();
            for (Link l : r.links()) {
                names.put(l.index(), l.name());
            }
            List<String> out = new ArrayList<>();
            for (Route rt : dump.apply(r)) {
                if (keep.test(rt)) {
                    out.add(rt.text(i -> names.getOrDefault(i, "if" + i)));
                }
            }
            out.sort(Comparator.naturalOrder());
            return out;
        }
    }

    /** Text status: nodes with their agent, pods and Viaduct routes. */
    void printStatus(PrintStream out) {
        out.printf("lab %s (%s), etcd %s%n", state.spec.name(), state.phase, state.spec.etcdEndpoint());
        for (String node : topology.nodes()) {
            var a = daemons.agent(node);
            int i = Integer.parseInt(node.substring(1));
            out.printf("%n%s  %s  agent %s%n", node, state.spec.nodeAddress(i)
                            + (state.spec.ipv6() ? " " + state.spec.nodeAddressV6(i) : ""),
                    a.map(p -> LabProcesses.alive(p) ? "running (pid " + p.pid() + ")" : "NOT RUNNING").orElse("none"));
            for (var p : state.pods) {
                if (p.node().equals(node)) {
                    out.printf("  pod %-4s %s%n", p.name(), String.join(",", p.ips()));
                }
            }
            for (String r : routes(node)) {
                out.println("  " + r);
            }
        }
    }
}
