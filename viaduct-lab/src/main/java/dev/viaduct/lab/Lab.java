package dev.viaduct.lab;

import dev.viaduct.cni.CniInstaller;
import dev.viaduct.netlink.Address;
import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.LinkSettings;
import dev.viaduct.netlink.LinkSpec;
import dev.viaduct.netlink.LinkUpdate;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkException;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.netlink.Sysctl;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One lab cluster. Build it with {@link #up}, find a running one with {@link #open}, remove it with
 * {@link #down}.
 *
 * <p>Topology (one rack): a "switch" namespace holding bridge {@code br0}; the root namespace's leg
 * ({@code vl<name>h}, {@code .254}) so the lab tool reaches etcd and the agents; an etcd namespace
 * ({@code .2}); node namespaces {@code n1..nN} ({@code .11...}) whose {@code eth0} sit on the bridge; pod
 * namespaces wired by the CNI plugin. With several racks ({@link LabRacks}) each rack is one more bridge and
 * /24, joined by a router namespace {@code rt} that knows no pod routes.
 *
 * <p>Concurrency: a Lab is used by one thread at a time (the CLI command or a test), except the parallel
 * pings of {@link #check}, which only read.
 */
public final class Lab implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.lab");
    /** Main class agents run (dev.viaduct.cli.Main), named here because the lab does not depend on the CLI. */
    public static final String CLI_MAIN = "dev.viaduct.cli.Main";

    private final LabState state;
    private final Path dir;
    private final PrintStream out;
    private final Map<String, CniRuntime> runtimes = new ConcurrentHashMap<>();

    private Lab(LabState state, PrintStream out) {
        this.state = state;
        this.dir = LabState.dir(state.spec.name());
        this.out = out;
    }

    public LabSpec spec() {
        return state.spec;
    }

    public Path dir() {
        return dir;
    }

    /** Opens a running lab by name. */
    public static Lab open(String name, PrintStream out) throws IOException {
        LabState s = LabState.load(name).orElseThrow(() -> new IOException("no lab named '" + name
                + "' (state file " + LabState.dir(name).resolve("state.json") + " missing; start one with 'viaduct lab up')"));
        return new Lab(s, out);
    }

    /**
     * Builds the lab. If anything fails — or the JVM is interrupted (Ctrl-C) — everything created so far is
     * removed before this returns or the JVM exits.
     */
    public static Lab up(LabSpec spec, PrintStream out) throws IOException {
        if (LabState.load(spec.name()).isPresent()) {
            throw new IOException("lab '" + spec.name() + "' already exists; remove it with 'viaduct lab down --name "
                    + spec.name() + "'");
        }
        sweepLeftovers(spec, out);
        LabState s = new LabState();
        s.spec = spec;
        s.save();
        Lab lab = new Lab(s, out);
        Thread cleanup = new Thread(() -> {
            synchronized (lab) {
                if (!"up".equals(lab.state.phase)) {
                    lab.out.println("lab: interrupted while coming up; removing what was created");
                    lab.down();
                }
            }
        }, "lab-up-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            synchronized (lab) {
                lab.build();
                lab.state.phase = "up";
                lab.state.save();
            }
            return lab;
        } catch (IOException | RuntimeException e) {
            out.println("lab: bringing up failed: " + e.getMessage() + "; removing what was created");
            lab.down();
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs
            }
        }
    }

    private void build() throws IOException {
        LabSpec spec = state.spec;
        long t0 = System.nanoTime();
        Files.createDirectories(dir);
        try (NetNamespace sw = createNamespace(spec.switchNs());
                Rtnl swr = sw.openRtnl()) {
            swr.addLink(new LinkSpec.Bridge(LinkSettings.named("br0").withUp(true)));
            int br = swr.link("br0").orElseThrow().index();
            // The root namespace's leg on the segment.
            state.hostLinks.add(spec.hostLink());
            state.save();
            try (NetNamespace root = NetNamespace.current()) {
                swr.addLink(new LinkSpec.Veth(LinkSettings.named(spec.hostLink()).inNamespace(root).withUp(true),
                        LinkSettings.named("host").withUp(true)));
            }
            swr.updateLink(swr.link("host").orElseThrow().index(), LinkUpdate.none().withMaster(br));
            try (Rtnl rr = Rtnl.open()) {
                int idx = rr.link(spec.hostLink()).orElseThrow().index();
                rr.addAddress(Address.of(IpPrefix.parse(spec.hostAddress() + "/24"), idx));
            }
            LabRacks racks = spec.rackLayout();
            List<Integer> bridges = buildRacks(swr, br, racks);
            String gw1 = racks.routed() ? racks.rack(1).gateway() : null;
            attach(swr, br, spec.etcdNs(), "etcd", spec.etcdAddress(), gw1);
            for (int i = 1; i <= spec.nodes(); i++) {
                int r = racks.rackOf(i);
                attach(swr, bridges.get(r - 1), spec.nodeNs(spec.nodeName(i)), spec.nodeName(i), spec.nodeAddress(i),
                        racks.routed() ? racks.rack(r).gateway() : null);
            }
        }
        if ("bird".equals(spec.tor())) {
            startBird();
        }
        startEtcd();
        if ("bgp".equals(spec.mode())) {
            seedBgp();
        }
        Path bin = dir.resolve("cni/bin");
        for (int i = 1; i <= spec.nodes(); i++) {
            String node = spec.nodeName(i);
            Path nd = dir.resolve(node);
            Files.createDirectories(nd);
            CniInstaller.install(new CniInstaller.Options(bin, nd.resolve("net.d"), "viaduct", nd.resolve("cni.sock"),
                    spec.portmap() ? "1.0.0" : "1.1.0", spec.portmap(), false, 0));
            Files.writeString(nd.resolve("agent.yaml"), agentConfig(i));
            startAgent(node);
        }
        for (int i = 1; i <= spec.nodes(); i++) {
            awaitAgent(spec.nodeName(i), Duration.ofSeconds(90));
        }
        out.printf("lab %s: %d nodes up in %.1f s%n", spec.name(), spec.nodes(), (System.nanoTime() - t0) / 1e9);
        for (int i = 1; i <= spec.nodes(); i++) {
            for (int p = 1; p <= spec.podsPerNode(); p++) {
                addPod(spec.nodeName(i), "p" + p, null);
            }
        }
    }

    /**
     * A namespace on a segment: veth {@code eth0} (inside) ↔ {@code port} (on the bridge), address /24, and a
     * default route via {@code gateway} (its rack's router leg) unless that is null.
     */
    private void attach(Rtnl swr, int bridge, String ns, String port, String address, String gateway) {
        try (NetNamespace n = createNamespace(ns); Rtnl r = n.openRtnl()) {
            swr.addLink(new LinkSpec.Veth(LinkSettings.named("eth0").inNamespace(n).withUp(true),
                    LinkSettings.named(port).withUp(true)));
            swr.updateLink(swr.link(port).orElseThrow().index(), LinkUpdate.none().withMaster(bridge));
            r.updateLink(r.link("lo").orElseThrow().index(), LinkUpdate.none().withUp(true));
            int eth0 = r.link("eth0").orElseThrow().index();
            r.addAddress(Address.of(IpPrefix.parse(address + "/24"), eth0));
            if (gateway != null) {
                r.addRoute(Route.to(IpPrefix.parse("0.0.0.0/0")).withNexthops(List.of(
                        dev.viaduct.netlink.Nexthop.via(java.net.InetAddress.ofLiteral(gateway), eth0))));
            }
            Sysctl.set(n, "net.ipv4.ip_forward", "1");
        }
    }

    /**
     * Racks beyond the first: one more bridge each, a router namespace with a leg ({@code .1}) on every rack's
     * bridge and forwarding on (nothing else: no pod routes, no default route), and routes in the root namespace
     * to the other racks via rack 1's router (recorded before they are added; {@link #down} removes them).
     * Returns each rack's bridge ifindex (rack 1's is {@code br0}).
     */
    private List<Integer> buildRacks(Rtnl swr, int br0, LabRacks racks) {
        List<Integer> bridges = new ArrayList<>(List.of(br0));
        if (!racks.routed()) {
            return bridges;
        }
        for (LabRacks.Rack rack : racks.racks().subList(1, racks.count())) {
            swr.addLink(new LinkSpec.Bridge(LinkSettings.named(rack.bridge()).withUp(true)));
            bridges.add(swr.link(rack.bridge()).orElseThrow().index());
        }
        if ("bird".equals(state.spec.tor())) {
            buildTors(swr, bridges, racks);
        } else try (NetNamespace rt = createNamespace(racks.routerNs()); Rtnl r = rt.openRtnl()) {
            r.updateLink(r.link("lo").orElseThrow().index(), LinkUpdate.none().withUp(true));
            for (LabRacks.Rack rack : racks.racks()) {
                String port = "rt" + rack.number();
                swr.addLink(new LinkSpec.Veth(LinkSettings.named(rack.routerLeg()).inNamespace(rt).withUp(true),
                        LinkSettings.named(port).withUp(true)));
                swr.updateLink(swr.link(port).orElseThrow().index(), LinkUpdate.none().withMaster(bridges.get(rack.number() - 1)));
                r.addAddress(Address.of(IpPrefix.parse(rack.gateway() + "/24"), r.link(rack.routerLeg()).orElseThrow().index()));
            }
            Sysctl.set(rt, "net.ipv4.ip_forward", "1");
        }
        try (Rtnl rr = Rtnl.open()) {
            int idx = rr.link(state.spec.hostLink()).orElseThrow().index();
            for (LabRacks.Rack rack : racks.racks().subList(1, racks.count())) {
                synchronized (state) {
                    state.hostRoutes.add(rack.cidr());
                    state.save();
                }
                rr.addRoute(Route.to(IpPrefix.parse(rack.cidr())).withNexthops(List.of(
                        dev.viaduct.netlink.Nexthop.via(java.net.InetAddress.ofLiteral(racks.rack(1).gateway()), idx))));
            }
        }
        return bridges;
    }

    /** Rack r's top-of-rack router namespace (BIRD), gateway {@code .1} of its rack. */
    public String torNamespace(int rack) {
        return state.spec.prefix() + "tor" + rack;
    }

    /** The BIRD control socket of rack r's ToR, or of the spine for r = 0 (for {@code birdc -s}). */
    public Path birdSocket(int rack) {
        return dir.resolve(rack == 0 ? "spine.ctl" : "tor" + rack + ".ctl");
    }

    /**
     * BGP racks: instead of one router on every rack, rack r gets its own ToR namespace (leg {@code .1} on the
     * rack's bridge) with a point-to-point uplink to the spine namespace ({@code rt}); BIRD runs in each (started
     * by {@link #startBird}).
     */
    private void buildTors(Rtnl swr, List<Integer> bridges, LabRacks racks) {
        LabSpec spec = state.spec;
        try (NetNamespace spine = createNamespace(racks.routerNs()); Rtnl sr = spine.openRtnl()) {
            sr.updateLink(sr.link("lo").orElseThrow().index(), LinkUpdate.none().withUp(true));
            Sysctl.set(spine, "net.ipv4.ip_forward", "1");
            for (LabRacks.Rack rack : racks.racks()) {
                int r = rack.number();
                try (NetNamespace tor = createNamespace(torNamespace(r)); Rtnl tr = tor.openRtnl()) {
                    tr.updateLink(tr.link("lo").orElseThrow().index(), LinkUpdate.none().withUp(true));
                    String port = "tor" + r;
                    swr.addLink(new LinkSpec.Veth(LinkSettings.named("eth0").inNamespace(tor).withUp(true),
                            LinkSettings.named(port).withUp(true)));
                    swr.updateLink(swr.link(port).orElseThrow().index(), LinkUpdate.none().withMaster(bridges.get(r - 1)));
                    tr.addAddress(Address.of(IpPrefix.parse(rack.gateway() + "/24"), tr.link("eth0").orElseThrow().index()));
                    // uplink: "up" in the ToR, "tor<r>" in the spine
                    tr.addLink(new LinkSpec.Veth(LinkSettings.named("tor" + r).inNamespace(spine).withUp(true),
                            LinkSettings.named("up").withUp(true)));
                    tr.addAddress(Address.of(IpPrefix.parse(LabBgp.torUplinkAddress(spec, r) + "/31"), tr.link("up").orElseThrow().index()));
                    sr.addAddress(Address.of(IpPrefix.parse(LabBgp.spineAddress(spec, r) + "/31"), sr.link("tor" + r).orElseThrow().index()));
                    Sysctl.set(tor, "net.ipv4.ip_forward", "1");
                }
            }
        }
    }

    /** Starts BIRD on every ToR and the spine, then waits until rack 1's subnet is routed from every rack. */
    private void startBird() throws IOException {
        LabSpec spec = state.spec;
        LabRacks racks = spec.rackLayout();
        Path conf = dir.resolve("bird");
        for (LabRacks.Rack rack : racks.racks()) {
            Path f = LabBgp.writeConfig(conf, "tor" + rack.number(), LabBgp.torConfig(spec, racks, rack));
            var p = LabProcesses.spawn("bird", "tor" + rack.number(), torNamespace(rack.number()),
                    List.of("bird", "-f", "-c", f.toString(), "-s", birdSocket(rack.number()).toString(), "-P",
                            conf.resolve("tor" + rack.number() + ".pid").toString()), dir.resolve("tor" + rack.number() + ".log"));
            synchronized (state) {
                state.processes.add(p);
                state.save();
            }
        }
        Path sf = LabBgp.writeConfig(conf, "spine", LabBgp.spineConfig(spec, racks));
        var sp = LabProcesses.spawn("bird", "spine", racks.routerNs(), List.of("bird", "-f", "-c", sf.toString(), "-s",
                birdSocket(0).toString(), "-P", conf.resolve("spine.pid").toString()), dir.resolve("spine.log"));
        synchronized (state) {
            state.processes.add(sp);
            state.save();
        }
        IpPrefix rack1 = IpPrefix.parse(racks.rack(1).cidr());
        for (LabRacks.Rack rack : racks.racks().subList(1, racks.count())) {
            await("rack " + rack.number() + "'s ToR to learn rack 1's subnet over BGP (etcd is there)", Duration.ofSeconds(60), () -> {
                try (NetNamespace ns = NetNamespace.openNamed(torNamespace(rack.number())); Rtnl r = ns.openRtnl()) {
                    return r.routes(AddressFamily.INET).stream().anyMatch(x -> x.destination().equals(rack1));
                }
            });
        }
    }

    /** Writes the BGP topology records into etcd (through etcdctl in the etcd namespace) before agents start. */
    private void seedBgp() throws IOException {
        for (String[] kv : LabBgp.storeRecords(state.spec, state.spec.rackLayout())) {
            Process p = new ProcessBuilder("ip", "netns", "exec", state.spec.etcdNs(), "etcdctl", "--endpoints",
                    state.spec.etcdEndpoint(), "put", kv[0], kv[1]).redirectErrorStream(true).start();
            String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (p.waitFor() != 0) {
                    throw new IOException("etcdctl put " + kv[0] + " failed: " + outText.strip());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted seeding the BGP topology");
            }
        }
    }

    private NetNamespace createNamespace(String name) {
        synchronized (state) {
            state.namespaces.add(name);
            state.save();
        }
        return NetNamespace.create(name);
    }

    private void startEtcd() throws IOException {
        Path data = dir.resolve("etcd");
        Files.createDirectories(data);
        String ip = state.spec.etcdAddress();
        var p = LabProcesses.spawn("etcd", "", state.spec.etcdNs(), List.of("etcd", "--name", "lab",
                "--data-dir", data.toString(),
                "--listen-client-urls", "http://" + ip + ":2379",
                "--advertise-client-urls", "http://" + ip + ":2379",
                "--listen-peer-urls", "http://" + ip + ":2380",
                "--initial-advertise-peer-urls", "http://" + ip + ":2380",
                "--initial-cluster", "lab=http://" + ip + ":2380",
                "--log-level", "warn"), dir.resolve("etcd.log"));
        state.processes.add(p);
        state.save();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        await("etcd at " + state.spec.etcdEndpoint(), Duration.ofSeconds(30), () -> {
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create(state.spec.etcdEndpoint() + "/health"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && r.body().contains("true");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    private String agentConfig(int i) {
        LabSpec s = state.spec;
        String node = s.nodeName(i);
        return """
                # generated by viaduct lab %s
                nodeName: %s
                datastore:
                  endpoints: [%s]
                cluster:
                  mode: %s
                  podCidrs: [%s]
                  blockSize: %d
                  vxlanMode: %s
                  ipipMode: %s
                  natOutgoing: %s
                node:
                  address: %s/24
                  uplink: eth0
                  leaseTtl: 5s
                  labels: {%s}
                cni:
                  socket: %s
                routes:
                  resyncInterval: 10s
                http:
                  listen: "%s:9099"
                """.formatted(s.name(), node, s.etcdEndpoint(), s.mode(), s.podCidr(), s.blockSize(), s.vxlanMode(),
                s.ipipMode(), s.natOutgoing(), s.nodeAddress(i), String.join(", ", LabBgp.labels(s, s.rackLayout(), i)),
                dir.resolve(node).resolve("cni.sock"), s.nodeAddress(i));
    }

    /**
     * Attaches one more namespace to the lab's segment (rack 1's bridge), e.g. an external router (BIRD, FRR) the
     * nodes peer with: {@code vl<name>-<label>} with {@code eth0} at {@code address}/24, loopback up, forwarding
     * on. Recorded in the lab state before it is created, so {@link #down} removes it and kills whatever runs in
     * it.
     *
     * @param label 1..8 lower-case letters and digits, not a name the lab uses itself ({@code sw}, {@code etcd},
     *              {@code rt}, {@code n<i>})
     * @return the namespace's name
     */
    public String attachNamespace(String label, String address) {
        if (!label.matches("[a-z][a-z0-9]{0,7}") || label.matches("n\\d+|sw|etcd|rt|host")) {
            throw new IllegalArgumentException("namespace label '" + label
                    + "' must be 1..8 lower-case letters/digits starting with a letter, and not sw, etcd, rt, host or n<i>");
        }
        java.net.InetAddress.ofLiteral(address); // a literal, or IllegalArgumentException naming it
        String ns = state.spec.prefix() + label;
        if (state.namespaces.contains(ns)) {
            throw new IllegalArgumentException("namespace " + ns + " is already part of lab " + state.spec.name());
        }
        try (NetNamespace sw = NetNamespace.openNamed(state.spec.switchNs()); Rtnl swr = sw.openRtnl()) {
            attach(swr, swr.link("br0").orElseThrow().index(), ns, "x" + label, address, null);
        }
        return ns;
    }

    /** Starts (or restarts) the agent of {@code node}. */
    public void startAgent(String node) throws IOException {
        List<String> argv = new ArrayList<>();
        String java = ProcessHandle.current().info().command().orElse("java");
        argv.add(java);
        // Small, quick-starting JVMs by default (a lab runs several on two cores); benchmarks override this with
        // VIADUCT_LAB_AGENT_JAVA_OPTS (e.g. to get C2) to measure a production-like agent.
        String opts = System.getenv().getOrDefault("VIADUCT_LAB_AGENT_JAVA_OPTS",
                "-XX:+UseSerialGC -Xms32m -Xmx256m -XX:TieredStopAtLevel=1");
        argv.add("--enable-native-access=ALL-UNNAMED");
        argv.add("--sun-misc-unsafe-memory-access=allow"); // protobuf under jetcd; silences a JDK 25 warning
        argv.addAll(List.of(opts.trim().split("\\s+")));
        argv.addAll(List.of("-Xshare:auto", "-cp", System.getProperty("java.class.path"), CLI_MAIN,
                "agent", "--config", dir.resolve(node).resolve("agent.yaml").toString()));
        var p = LabProcesses.spawn("agent", node, state.spec.nodeNs(node), argv, dir.resolve(node).resolve("agent.log"));
        state.processes.removeIf(x -> x.role().equals("agent") && x.node().equals(node));
        state.processes.add(p);
        state.save();
    }

    /** Waits until the node's agent reports ready on {@code /readyz} (registered, synced, routes reconciled). */
    public void awaitAgent(String node, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        await("agent on " + node + " to be ready (/readyz)", timeout, () -> {
            Optional<LabState.Proc> p = agent(node);
            if (p.isEmpty() || !LabProcesses.alive(p.get())) {
                throw new IllegalStateException("agent on " + node + " exited; last log lines:\n" + tail(dir.resolve(node).resolve("agent.log"), 15));
            }
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create(agentUrl(node) + "/readyz")).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    public Optional<LabState.Proc> agent(String node) {
        return state.processes.stream().filter(p -> p.role().equals("agent") && p.node().equals(node)).findFirst();
    }

    /** Stops the agent: SIGTERM (graceful) or SIGKILL. */
    public void stopAgent(String node, boolean kill) {
        agent(node).ifPresent(p -> {
            if (kill) {
                LabProcesses.kill(p);
            } else {
                LabProcesses.stop(p, 10_000);
            }
        });
    }

    /** The CNI runtime of {@code node} (its conflist, plugin path and result cache). */
    public CniRuntime runtime(String node) throws IOException {
        CniRuntime r = runtimes.get(node);
        if (r == null) {
            Path nd = dir.resolve(node);
            r = new CniRuntime(nd.resolve("net.d/10-viaduct.conflist"), List.of(dir.resolve("cni/bin"), Path.of("/usr/lib/cni")),
                    nd.resolve("cache"), state.spec.nodeNs(node));
            runtimes.put(node, r);
        }
        return r;
    }

    /** A node's address on the segment, e.g. 10.168.0.11. */
    public String nodeAddress(String node) {
        return state.spec.nodeAddress(Integer.parseInt(node.substring(1)));
    }

    /** The node's network namespace name. */
    public String nodeNamespace(String node) {
        return state.spec.nodeNs(node);
    }

    /** Base URL of a node agent's HTTP endpoints, reachable from the root namespace through the host leg. */
    public URI agentUrl(String node) {
        return URI.create("http://" + nodeAddress(node) + ":9099");
    }

    public List<String> nodes() {
        List<String> n = new ArrayList<>();
        for (int i = 1; i <= state.spec.nodes(); i++) {
            if (!state.removedNodes.contains(state.spec.nodeName(i))) {
                n.add(state.spec.nodeName(i));
            }
        }
        return n;
    }

    public List<LabState.Pod> pods() {
        synchronized (state) {
            return List.copyOf(state.pods);
        }
    }

    /** Creates a pod namespace and runs CNI ADD for it; {@code ip} requests a static address. */
    public LabState.Pod addPod(String node, String name, String ip) throws IOException {
        ObjectNode rc = null;
        if (ip != null) {
            rc = CniRuntime.JSON.createObjectNode();
            rc.putArray("ips").add(ip);
        }
        return addPodWith(node, name, rc);
    }

    /** The shim binary the lab installed (what runtimes exec). */
    public Path pluginBinary() {
        return dir.resolve("cni/bin/viaduct");
    }

    /**
     * Creates a pod namespace and runs CNI ADD with {@code runtimeConfig} (capability arguments such as
     * {@code ips} or {@code portMappings}). Safe to call from several threads at once.
     */
    public LabState.Pod addPodWith(String node, String name, ObjectNode rc) throws IOException {
        String ns = state.spec.podNs(node, name);
        createNamespace(ns).close();
        String cid = state.spec.name() + "-" + node + "-" + name;
        JsonNode result;
        try {
            result = runtime(node).add(cid, NetNamespace.pathOf(ns).toString(), "eth0",
                    "IgnoreUnknown=1;K8S_POD_NAMESPACE=lab;K8S_POD_NAME=" + name, rc);
        } catch (CniRuntime.CniFailure e) {
            deleteNamespaceQuietly(ns);
            throw new IOException("CNI ADD of pod " + node + "/" + name + " failed: " + e.getMessage(), e);
        }
        List<String> ips = new ArrayList<>();
        for (JsonNode a : result.path("ips")) {
            String addr = a.path("address").asString();
            ips.add(addr.substring(0, addr.indexOf('/')));
        }
        LabState.Pod pod = new LabState.Pod(node, name, ns, cid, ips);
        synchronized (state) {
            state.pods.add(pod);
            state.save();
        }
        return pod;
    }

    /** Runs CNI DEL for the pod and removes its namespace. */
    public void deletePod(LabState.Pod pod) throws IOException {
        try {
            runtime(pod.node()).del(pod.containerId(), NetNamespace.pathOf(pod.namespace()).toString(), "eth0", "", null);
        } catch (CniRuntime.CniFailure e) {
            throw new IOException("CNI DEL of pod " + pod.node() + "/" + pod.name() + " failed: " + e.getMessage(), e);
        }
        deleteNamespaceQuietly(pod.namespace());
        synchronized (state) {
            state.pods.remove(pod);
            state.save();
        }
    }

    /**
     * Removes a node as an operator would: stops its agent, deletes its pods' namespaces and removes its
     * namespace (the node is gone; its lease expires and peers must drop its routes).
     */
    public void removeNode(String node) {
        stopAgent(node, true);
        for (LabState.Pod p : List.copyOf(state.pods)) {
            if (p.node().equals(node)) {
                deleteNamespaceQuietly(p.namespace());
                state.pods.remove(p);
            }
        }
        deleteNamespaceQuietly(state.spec.nodeNs(node));
        state.removedNodes.add(node);
        state.save();
    }

    /** Viaduct's routes in a node's main table, formatted like {@code ip route}. */
    public List<String> routes(String node) {
        try (NetNamespace ns = NetNamespace.openNamed(state.spec.nodeNs(node)); Rtnl r = ns.openRtnl()) {
            Map<Integer, String> names = new LinkedHashMap<>();
            for (Link l : r.links()) {
                names.put(l.index(), l.name());
            }
            List<String> out = new ArrayList<>();
            for (Route rt : r.routes(AddressFamily.INET, Route.MAIN, RouteProtocol.VIADUCT)) {
                out.add(format(rt, names));
            }
            out.sort(Comparator.naturalOrder());
            return out;
        }
    }

    /** All routes of a node's main table (any protocol), formatted like {@code ip route}. */
    public List<String> allRoutes(String node) {
        try (NetNamespace ns = NetNamespace.openNamed(state.spec.nodeNs(node)); Rtnl r = ns.openRtnl()) {
            Map<Integer, String> names = new LinkedHashMap<>();
            for (Link l : r.links()) {
                names.put(l.index(), l.name());
            }
            List<String> out = new ArrayList<>();
            for (Route rt : r.routes(AddressFamily.INET)) {
                if (rt.table() == Route.MAIN) {
                    out.add(format(rt, names));
                }
            }
            out.sort(Comparator.naturalOrder());
            return out;
        }
    }

    static String format(Route r, Map<Integer, String> names) {
        return r.text(i -> names.getOrDefault(i, "if" + i));
    }

    /** The result of pinging every pod from every other pod. */
    public record Matrix(List<LabState.Pod> pods, boolean[][] ok) {
        public boolean allOk() {
            for (int i = 0; i < ok.length; i++) {
                for (int j = 0; j < ok.length; j++) {
                    if (i != j && !ok[i][j]) {
                        return false;
                    }
                }
            }
            return true;
        }

        public List<String> failures() {
            List<String> f = new ArrayList<>();
            for (int i = 0; i < ok.length; i++) {
                for (int j = 0; j < ok.length; j++) {
                    if (i != j && !ok[i][j]) {
                        f.add(label(pods.get(i)) + " -> " + label(pods.get(j)));
                    }
                }
            }
            return f;
        }

        static String label(LabState.Pod p) {
            return p.node() + "/" + p.name() + "(" + String.join(",", p.ips()) + ")";
        }

        public void print(PrintStream out) {
            int w = 0;
            for (var p : pods) {
                w = Math.max(w, (p.node() + "/" + p.name()).length());
            }
            StringBuilder h = new StringBuilder(" ".repeat(w + 18));
            for (var p : pods) {
                h.append(String.format("%-" + (w + 1) + "s", p.node() + "/" + p.name()));
            }
            out.println(h.toString().stripTrailing());
            for (int i = 0; i < pods.size(); i++) {
                var p = pods.get(i);
                StringBuilder row = new StringBuilder(String.format("%-" + (w + 1) + "s%-17s", p.node() + "/" + p.name(),
                        String.join(",", p.ips())));
                for (int j = 0; j < pods.size(); j++) {
                    row.append(String.format("%-" + (w + 1) + "s", i == j ? "-" : ok[i][j] ? "ok" : "FAIL"));
                }
                out.println(row.toString().stripTrailing());
            }
        }
    }

    /** Pings every pod pair (ICMP, one echo each, 1 s timeout), in parallel. */
    public Matrix pingMatrix() {
        List<LabState.Pod> pods = pods();
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
                    fs.add(ex.submit(() -> ok[a][b] = ping(pods.get(a), pods.get(b).ips().getFirst(), 1)));
                }
            }
            for (var f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("ping matrix failed: " + e, e);
        }
        return new Matrix(pods, ok);
    }

    /** {@code ping -c count -W 1} from a pod's namespace; true when every echo was answered. */
    public boolean ping(LabState.Pod from, String to, int count) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", from.namespace(), "ping", "-n", "-q", "-c",
                Integer.toString(count), "-i", "0.2", "-W", "1", to).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    /**
     * Opens a TCP connection from {@code from} to a listener in {@code to} on port 7777, sends a line and checks
     * the echo: a real connection through both kernels, not just ICMP.
     */
    public boolean tcp(LabState.Pod from, LabState.Pod to) throws Exception {
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

    /** Text status: nodes with their agent, pods and Viaduct routes. */
    public void printStatus() {
        out.printf("lab %s (%s), etcd %s%n", state.spec.name(), state.phase, state.spec.etcdEndpoint());
        for (String node : nodes()) {
            var a = agent(node);
            out.printf("%n%s  %s  agent %s%n", node, state.spec.nodeAddress(Integer.parseInt(node.substring(1))),
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

    /**
     * Removes everything the lab created: processes first (agents, then etcd), then namespaces (which takes
     * their links with them), the root namespace's leg, and the state directory. Tries everything; reports
     * what it could not remove.
     */
    public synchronized List<String> down() {
        List<String> problems = new ArrayList<>();
        List<LabState.Proc> procs = new ArrayList<>(state.processes);
        procs.sort(Comparator.comparing(p -> p.role().equals("etcd") ? 1 : 0));
        for (var p : procs) {
            LabProcesses.stop(p, 5000);
            if (LabProcesses.alive(p)) {
                problems.add("process " + p.role() + " " + p.pid() + " survived SIGKILL");
            }
        }
        List<String> nss = new ArrayList<>(state.namespaces);
        // also anything with our prefix that the state file missed (a crash between create and save)
        try (var s = Files.list(NetNamespace.RUN_NETNS)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(state.spec.prefix()) && !nss.contains(n)) {
                    nss.add(n);
                }
            }
        } catch (IOException ignored) {
            // no /run/netns: nothing to sweep
        }
        // pods before nodes before the switch: innermost first
        nss.sort(Comparator.comparing((String n) -> -n.length()));
        for (String ns : nss) {
            try {
                killAllIn(ns);
                NetNamespace.delete(ns);
            } catch (NetlinkException.NotFound e) {
                // already gone
            } catch (RuntimeException e) {
                problems.add("namespace " + ns + ": " + e.getMessage());
            }
        }
        try (Rtnl r = Rtnl.open()) {
            for (String c : state.hostRoutes) {
                // routes to other racks via the host leg (deleting the leg below would flush them too)
                try {
                    r.deleteRoute(Route.to(IpPrefix.parse(c)).withNexthops(List.of(
                            dev.viaduct.netlink.Nexthop.via(java.net.InetAddress.ofLiteral(state.spec.rackLayout().rack(1).gateway())))));
                } catch (NetlinkException.NotFound e) {
                    // already gone
                }
            }
            for (String l : state.hostLinks) {
                r.link(l).ifPresent(link -> r.deleteLink(link.index()));
            }
        } catch (RuntimeException e) {
            problems.add("host link: " + e.getMessage());
        }
        state.phase = "down";
        try {
            deleteTree(dir);
        } catch (IOException e) {
            problems.add("state dir " + dir + ": " + e.getMessage());
        }
        if (problems.isEmpty()) {
            out.println("lab " + state.spec.name() + ": removed");
        } else {
            out.println("lab " + state.spec.name() + ": removed with problems: " + problems);
        }
        return problems;
    }

    /**
     * Takes down labs whose name starts with {@code namePrefix} and whose owning process is gone (a test JVM
     * that was killed before its cleanup ran). Returns the names removed.
     */
    public static List<String> sweepAbandoned(String namePrefix, PrintStream out) {
        List<String> removed = new ArrayList<>();
        Path root = LabState.dir("x").getParent();
        if (!Files.isDirectory(root)) {
            return removed;
        }
        try (var s = Files.list(root)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(namePrefix)) {
                    continue;
                }
                Optional<LabState> st = LabState.load(name);
                if (st.isPresent() && ProcessHandle.of(st.get().ownerPid).isEmpty()) {
                    out.println("lab: removing abandoned lab " + name + " (owner pid " + st.get().ownerPid + " is gone)");
                    new Lab(st.get(), out).down();
                    removed.add(name);
                }
            }
        } catch (IOException e) {
            out.println("lab: cannot sweep " + root + ": " + e.getMessage());
        }
        return removed;
    }

    /** Removes namespaces and links of a lab with this name whose state file was lost. */
    private static void sweepLeftovers(LabSpec spec, PrintStream out) {
        try (var s = Files.list(NetNamespace.RUN_NETNS)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(spec.prefix())) {
                    out.println("lab: removing leftover namespace " + n);
                    killAllIn(n);
                    NetNamespace.delete(n);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // nothing to sweep
        }
        try (Rtnl r = Rtnl.open()) {
            r.link(spec.hostLink()).ifPresent(l -> r.deleteLink(l.index()));
        }
    }

    private static void killAllIn(String ns) {
        long inode;
        try (NetNamespace n = NetNamespace.openNamed(ns)) {
            inode = n.inode();
        } catch (RuntimeException e) {
            return;
        }
        for (int round = 0; round < 3; round++) {
            List<Long> pids = LabProcesses.pidsInNamespace(inode);
            if (pids.isEmpty()) {
                return;
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroyForcibly();
                    try {
                        h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception ignored) {
                        // next round
                    }
                });
            }
        }
    }

    private void deleteNamespaceQuietly(String ns) {
        try {
            killAllIn(ns);
            NetNamespace.delete(ns);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete namespace {0}: {1}", ns, e.getMessage());
        }
        synchronized (state) {
            state.namespaces.remove(ns);
            state.save();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier cond) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 20;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what);
            }
            pause = Math.min(250, pause * 2);
        }
    }

    @Override
    public void close() {
        // a Lab handle holds no resources; the lab keeps running until down()
    }

    static {
        // make UncheckedIOException from state saving visible with its cause
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (e instanceof UncheckedIOException u) {
                System.err.println("lab: " + u.getMessage() + ": " + u.getCause());
            } else {
                System.err.println("lab: uncaught in " + t.getName() + ": " + e);
            }
        });
    }
}
