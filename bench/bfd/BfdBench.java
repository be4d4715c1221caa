import dev.viaduct.bfd.BfdManager;
import dev.viaduct.bfd.SessionConfig;
import dev.viaduct.bfd.SessionKey;
import dev.viaduct.bfd.StateChange;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.sys.net.IpPrefix;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * bench/bfd: how long after a node freezes do the other nodes' kernels stop routing to it?
 *
 * <p>One L2 segment (a bridge in its own namespace) joins a victim node, K Viaduct observer nodes and K BIRD
 * observer nodes, each in its own namespace. Every observer has a kernel route to the victim's pod block
 * 10.244.2.0/26 via the victim and a BFD session (100 ms x 3) to the victim, which runs a Viaduct BFD manager in
 * its own JVM (Victim.java). On a Viaduct observer, a BFD PATH_DOWN makes the listener delete the route over
 * netlink (as the agent will); on a BIRD observer, the route is a BIRD static route with {@code bfd}, exported
 * to the kernel, which BIRD withdraws when its BFD session goes down (the reference behaviour).
 *
 * <p>Each try SIGSTOPs the victim's JVM (every process of that node) and takes, for every observer, the time
 * until {@code ip -ts monitor route} in its namespace reports the route deleted: an independent kernel-side
 * witness. Then SIGCONT, and wait until every route is back. Prints per-try and per-observer p50/p99 for both
 * kinds of observer, and the Viaduct/BIRD ratio.
 *
 * <p>args: tries, observers per kind, classpath for the victim JVM, path of Victim.java.
 */
public final class BfdBench {
    static final String BLOCK = "10.244.2.0/26";
    static final String VICTIM_IP = "10.77.0.2";
    static final Duration DEADLINE = Duration.ofSeconds(20);

    record Node(String name, String ip, String kind) {
        Path path() {
            return Path.of("/run/netns", name);
        }
    }

    public static void main(String[] args) throws Throwable {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        int tries = Integer.parseInt(args[0]);
        int k = Integer.parseInt(args[1]);
        String cp = args[2];
        String victimSource = args[3];
        String prefix = "vbfd" + ProcessHandle.current().pid();
        List<Node> all = new ArrayList<>();
        Node lan = new Node(prefix + "-lan", null, "lan");
        Node victim = new Node(prefix + "-victim", VICTIM_IP, "victim");
        List<Node> viaductObs = new ArrayList<>();
        List<Node> birdObs = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            viaductObs.add(new Node(prefix + "-v" + i, "10.77.0." + (11 + i), "viaduct"));
            birdObs.add(new Node(prefix + "-b" + i, "10.77.0." + (21 + i), "bird"));
        }
        all.add(lan);
        all.add(victim);
        all.addAll(viaductObs);
        all.addAll(birdObs);
        List<Process> processes = Collections.synchronizedList(new ArrayList<>());
        List<AutoCloseable> closeables = new ArrayList<>();
        Path work = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Process victimJvm = null;
        try {
            // ---------------------------------------------------------------- topology
            for (Node n : all) {
                sh("ip", "netns", "add", n.name);
                sh("ip", "-n", n.name, "link", "set", "lo", "up");
            }
            sh("ip", "-n", lan.name, "link", "add", "br0", "type", "bridge");
            sh("ip", "-n", lan.name, "link", "set", "br0", "up");
            int port = 0;
            for (Node n : all) {
                if (n == lan) {
                    continue;
                }
                String p = "p" + port++;
                sh("ip", "-n", lan.name, "link", "add", p, "type", "veth", "peer", "name", "eth0", "netns", n.name);
                sh("ip", "-n", lan.name, "link", "set", p, "master", "br0", "up");
                sh("ip", "-n", n.name, "addr", "add", n.ip + "/24", "dev", "eth0");
                sh("ip", "-n", n.name, "link", "set", "eth0", "up");
            }

            // ---------------------------------------------------------------- victim JVM
            List<String> victimCmd = new ArrayList<>(List.of("java", "--enable-native-access=ALL-UNNAMED", "-cp", cp, victimSource,
                    victim.path().toString(), victim.ip));
            for (Node n : viaductObs) {
                victimCmd.add(n.ip);
            }
            for (Node n : birdObs) {
                victimCmd.add(n.ip);
            }
            victimJvm = new ProcessBuilder(victimCmd).redirectError(work.resolve("victim.log").toFile()).start();
            processes.add(victimJvm);
            BufferedReader victimOut = new BufferedReader(new InputStreamReader(victimJvm.getInputStream()));
            String ready = victimOut.readLine();
            if (!"ready".equals(ready)) {
                throw new IllegalStateException("victim did not start: " + ready + " " + Files.readString(work.resolve("victim.log")));
            }

            // ---------------------------------------------------------------- BIRD observers
            for (Node n : birdObs) {
                Path dir = work.resolve(n.name);
                Files.createDirectories(dir);
                Path conf = dir.resolve("bird.conf");
                Files.writeString(conf, """
                        router id %s;
                        protocol device {}
                        protocol kernel { ipv4 { export all; }; }
                        protocol static { ipv4; route %s via %s bfd; }
                        protocol bfd { interface "eth0" { interval 100 ms; multiplier 3; }; }
                        """.formatted(n.ip, BLOCK, VICTIM_IP));
                processes.add(new ProcessBuilder("ip", "netns", "exec", n.name, "bird", "-f", "-c", conf.toString(), "-s",
                        dir.resolve("bird.ctl").toString(), "-P", dir.resolve("bird.pid").toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("bird.log").toFile()).start());
            }

            // ---------------------------------------------------------------- Viaduct observers
            InetAddress gateway = InetAddress.getByName(VICTIM_IP);
            Route route = Route.to(IpPrefix.parse(BLOCK)).withGateway(gateway).withProtocol(RouteProtocol.VIADUCT);
            Map<String, Long> detectedNanos = new ConcurrentHashMap<>();
            for (Node n : viaductObs) {
                NetNamespace ns = NetNamespace.openNamed(n.name);
                Rtnl rtnl = ns.openRtnl();
                closeables.add(rtnl);
                closeables.add(ns);
                BfdManager m = BfdManager.start(BfdManager.Options.defaults().named(n.name).inNamespace(n.path()));
                closeables.add(0, m);
                SessionKey key = new SessionKey(gateway, InetAddress.getByName(n.ip), java.util.Optional.empty());
                // the agent's reaction, minus everything else: drop the node's block on a path failure, restore it on
                // Up (subscribed before the session exists, so no change is missed)
                closeables.add(0, m.subscribe(change -> {
                    if (!change.session().equals(key)) {
                        return;
                    }
                    synchronized (rtnl) {
                        if (change.signal() == StateChange.ClientSignal.PATH_DOWN) {
                            detectedNanos.put(n.name, change.nanoTime());
                            rtnl.deleteRoute(route);
                        } else if (change.signal() == StateChange.ClientSignal.UP) {
                            rtnl.replaceRoute(route);
                        }
                    }
                }));
                m.addSession(SessionConfig.builder(gateway, InetAddress.getByName(n.ip)).build());
            }

            // ---------------------------------------------------------------- kernel witnesses
            List<Node> observers = new ArrayList<>(viaductObs);
            observers.addAll(birdObs);
            Map<String, LocalDateTime> deletedAt = new ConcurrentHashMap<>();
            for (Node n : observers) {
                Process mon = new ProcessBuilder("ip", "-n", n.name, "-ts", "monitor", "route").redirectErrorStream(true).start();
                processes.add(mon);
                Thread.ofVirtual().start(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(mon.getInputStream()))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            if (line.contains("Deleted " + BLOCK)) {
                                deletedAt.put(n.name, LocalDateTime.parse(line.substring(1, line.indexOf(']'))));
                            }
                        }
                    } catch (Exception e) {
                        // monitor killed at the end
                    }
                });
            }

            // ---------------------------------------------------------------- tries
            waitForRoutes(observers);
            Thread.sleep(1500); // let every session finish its Poll to the fast timers
            List<Double> viaductAll = new ArrayList<>();
            List<Double> birdAll = new ArrayList<>();
            List<Double> viaductEach = new ArrayList<>();
            List<Double> birdEach = new ArrayList<>();
            List<Double> detectEach = new ArrayList<>();
            List<Double> reactionEach = new ArrayList<>();
            for (int t = 1; t <= tries; t++) {
                deletedAt.clear();
                detectedNanos.clear();
                LocalDateTime frozenAt = LocalDateTime.now(ZoneId.systemDefault());
                long frozenNanos = System.nanoTime();
                signal(victimJvm.pid(), SIGSTOP);
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (deletedAt.size() < observers.size() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                signal(victimJvm.pid(), SIGCONT);
                if (deletedAt.size() < observers.size()) {
                    throw new IllegalStateException("try " + t + ": only " + deletedAt.keySet() + " dropped the route");
                }
                double vMax = 0;
                double bMax = 0;
                StringBuilder line = new StringBuilder("try " + t + ":");
                for (Node n : observers) {
                    double ms = frozenAt.until(deletedAt.get(n.name), ChronoUnit.MICROS) / 1000.0;
                    line.append(String.format(" %s=%.0f", n.kind.charAt(0) + n.name.substring(n.name.lastIndexOf('-') + 2), ms));
                    if (n.kind.equals("viaduct")) {
                        viaductEach.add(ms);
                        vMax = Math.max(vMax, ms);
                        double detectMs = (detectedNanos.get(n.name) - frozenNanos) / 1e6;
                        detectEach.add(detectMs);
                        reactionEach.add(ms - detectMs);
                    } else {
                        birdEach.add(ms);
                        bMax = Math.max(bMax, ms);
                    }
                }
                viaductAll.add(vMax);
                birdAll.add(bMax);
                System.out.println(line.append(String.format("  (all viaduct %.0f ms, all bird %.0f ms)", vMax, bMax)));
                waitForRoutes(observers);
                Thread.sleep(1500);
            }

            // ---------------------------------------------------------------- report
            System.out.printf("%d tries, %d Viaduct + %d BIRD observers, BFD 100 ms x 3, %d cores, %s, %s%n", tries, k, k,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"), java.time.LocalDate.now());
            row("route gone on EVERY Viaduct observer (per try)", viaductAll);
            row("route gone on EVERY BIRD observer (per try)", birdAll);
            row("route gone, each Viaduct observer", viaductEach);
            row("route gone, each BIRD observer", birdEach);
            row("Viaduct BFD Down event (detection only)", detectEach);
            row("Viaduct Down event -> kernel route gone", reactionEach);
            System.out.printf("ratio Viaduct/BIRD, every observer: p50 %.2f  p99 %.2f%n", pct(viaductAll, 50) / pct(birdAll, 50),
                    pct(viaductAll, 99) / pct(birdAll, 99));
        } finally {
            if (victimJvm != null) {
                Runtime.getRuntime().exec(new String[] {"kill", "-CONT", Long.toString(victimJvm.pid())}).waitFor();
                try (OutputStream in = victimJvm.getOutputStream()) {
                    in.close();
                } catch (Exception ignored) {
                    // already gone
                }
            }
            for (AutoCloseable c : closeables) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
            for (Process p : processes) {
                p.destroy();
            }
            for (Process p : processes) {
                if (!p.waitFor(3, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
            for (Node n : all) {
                new ProcessBuilder("ip", "netns", "del", n.name).start().waitFor();
            }
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static final int SIGCONT = 18;
    static final int SIGSTOP = 19;
    static final java.lang.invoke.MethodHandle KILL = java.lang.foreign.Linker.nativeLinker().downcallHandle(
            java.lang.foreign.Linker.nativeLinker().defaultLookup().find("kill").orElseThrow(),
            java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
                    java.lang.foreign.ValueLayout.JAVA_INT));

    /** kill(2) straight from the JVM: the freeze happens at the measured instant, not after a fork/exec of kill(1). */
    static void signal(long pid, int sig) throws Throwable {
        int rc = (int) KILL.invokeExact((int) pid, sig);
        if (rc != 0) {
            throw new IllegalStateException("kill(" + pid + ", " + sig + ") failed");
        }
    }

    static void waitForRoutes(List<Node> observers) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        for (Node n : observers) {
            while (true) {
                Process p = new ProcessBuilder("ip", "-n", n.name, "route", "show", BLOCK).start();
                String out = new String(p.getInputStream().readAllBytes());
                p.waitFor();
                if (out.contains("via " + VICTIM_IP)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(n.name + " never (re)installed " + BLOCK);
                }
                Thread.sleep(20);
            }
        }
    }

    static void row(String what, List<Double> ms) {
        System.out.printf("  %-50s p50 %6.1f ms  p99 %6.1f ms  min %6.1f  max %6.1f  (n=%d)%n", what, pct(ms, 50), pct(ms, 99),
                Collections.min(ms), Collections.max(ms), ms.size());
    }

    /** Nearest-rank percentile. */
    static double pct(List<Double> values, int p) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, rank - 1));
    }

    static void sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
    }
}
