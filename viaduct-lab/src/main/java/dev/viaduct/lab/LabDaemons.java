package dev.viaduct.lab;

import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Rtnl;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The lab's processes: BIRD on the ToRs and the spine, etcd (and the BGP records seeded into it), and one
 * agent per node, each started detached in its namespace through {@link LabProcesses} and recorded in the
 * {@link LabState} as soon as it runs, plus the readiness waits that tell the build it may go on.
 */
final class LabDaemons {
    private final LabState state;
    private final Path dir;

    LabDaemons(LabState state, Path dir) {
        this.state = state;
        this.dir = dir;
    }

    /** The BIRD control socket of rack r's ToR, or of the spine for r = 0 (for {@code birdc -s}). */
    Path birdSocket(int rack) {
        return dir.resolve(rack == 0 ? "spine.ctl" : "tor" + rack + ".ctl");
    }

    /** Starts BIRD on every ToR and the spine, then waits until rack 1's subnet is routed from every rack. */
    void startBird() throws IOException {
        LabSpec spec = state.spec;
        LabRacks racks = spec.rackLayout();
        Path conf = dir.resolve("bird");
        for (LabRacks.Rack rack : racks.racks()) {
            Path f = LabBgp.writeConfig(conf, "tor" + rack.number(), LabBgp.torConfig(spec, racks, rack));
            record(LabProcesses.spawn("bird", "tor" + rack.number(), racks.torNs(rack.number()),
                    List.of("bird", "-f", "-c", f.toString(), "-s", birdSocket(rack.number()).toString(), "-P",
                            conf.resolve("tor" + rack.number() + ".pid").toString()), dir.resolve("tor" + rack.number() + ".log")));
        }
        Path sf = LabBgp.writeConfig(conf, "spine", LabBgp.spineConfig(spec, racks));
        record(LabProcesses.spawn("bird", "spine", racks.routerNs(), List.of("bird", "-f", "-c", sf.toString(), "-s",
                birdSocket(0).toString(), "-P", conf.resolve("spine.pid").toString()), dir.resolve("spine.log")));
        IpPrefix rack1 = IpPrefix.parse(racks.rack(1).cidr());
        for (LabRacks.Rack rack : racks.racks().subList(1, racks.count())) {
            await("rack " + rack.number() + "'s ToR to learn rack 1's subnet over BGP (etcd is there)", Duration.ofSeconds(60), () -> {
                try (NetNamespace ns = NetNamespace.openNamed(racks.torNs(rack.number())); Rtnl r = ns.openRtnl()) {
                    return r.routes(AddressFamily.INET).stream().anyMatch(x -> x.destination().equals(rack1));
                }
            });
        }
    }

    /** Writes the BGP topology records into etcd (through etcdctl in the etcd namespace) before agents start. */
    void seedBgp() throws IOException {
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

    /** The lab's etcd process. */
    Optional<LabState.Proc> etcd() {
        return state.processes.stream().filter(p -> p.role().equals("etcd")).findFirst();
    }

    /**
     * Starts the one-member etcd in its namespace (on the data it has, when restarted after a test stopped it)
     * and waits until {@code /health} says so.
     */
    void startEtcd() throws IOException {
        synchronized (state) {
            state.processes.removeIf(p -> p.role().equals("etcd") && !LabProcesses.alive(p));
        }
        Path data = dir.resolve("etcd");
        Files.createDirectories(data);
        String ip = state.spec.etcdAddress();
        record(LabProcesses.spawn("etcd", "", state.spec.etcdNs(), List.of("etcd", "--name", "lab",
                "--data-dir", data.toString(),
                "--listen-client-urls", "http://" + ip + ":2379",
                "--advertise-client-urls", "http://" + ip + ":2379",
                "--listen-peer-urls", "http://" + ip + ":2380",
                "--initial-advertise-peer-urls", "http://" + ip + ":2380",
                "--initial-cluster", "lab=http://" + ip + ":2380",
                "--log-level", "warn"), dir.resolve("etcd.log")));
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

    /**
     * Node i's agent configuration ({@code agent.yaml}); {@code nodeDir} holds its CNI socket. In image mode the
     * agent runs in the node pod's container, where the socket is the manifest's ({@code /run/viaduct}, the
     * node's host directory) and the node's name is not in the file: it comes from the pod's environment,
     * {@code VIADUCT_NODE_NAME} from {@code spec.nodeName}, as on a cluster.
     */
    static String agentConfig(LabSpec s, int i, Path nodeDir) {
        String node = s.nodeName(i);
        Path socket = s.imageMode() ? Path.of("/run/viaduct/cni.sock") : nodeDir.resolve("cni.sock");
        return """
                # generated by viaduct lab %s
                %s
                datastore:
                  endpoints: [%s]
                cluster:
                  mode: %s
                  podCidrs: [%s]
                  blockSize: %d
                %s  vxlanMode: %s
                  ipipMode: %s
                  natOutgoing: %s
                node:
                  address: %s/24
                  uplink: eth0
                  leaseTtl: %s
                  labels: {%s}
                cni:
                  socket: %s
                ipam:
                  pendingReleases: %s
                routes:
                  resyncInterval: 10s
                http:
                  listen: "%s:9099"
                """.formatted(s.name(), s.imageMode() ? "# nodeName: VIADUCT_NODE_NAME (the manifest's spec.nodeName)" : "nodeName: " + node,
                s.etcdEndpoint(), s.mode(), s.podCidr(), s.blockSize(),
                s.ipv6() ? "  podCidrsV6: [\"" + LabSpec.POD_CIDR_V6 + "\"]\n" : "", s.vxlanMode(),
                s.ipipMode(), s.natOutgoing(), s.nodeAddress(i), leaseTtl(s), String.join(", ", LabBgp.labels(s, s.rackLayout(), i)),
                socket, s.imageMode() ? "/var/lib/viaduct/pending-releases" : nodeDir.resolve("pending-releases"), s.nodeAddress(i));
    }

    /**
     * How long a node record outlives its agent: 5 s for the process lab (fast failure detection in tests); in
     * image mode the agent's own default, which the manifest's ConfigMap keeps — an agent container restart
     * (podman removing the old container, starting a new one, the JVM starting) must finish within it, or the
     * other nodes take the node for gone and withdraw its routes.
     */
    static String leaseTtl(LabSpec s) {
        return s.imageMode() ? "15s" : "5s";
    }

    /** Writes node i's {@code agent.yaml} into {@code into} (its directory, or in image mode its ConfigMap's). */
    void configureAgent(int i, Path into) throws IOException {
        Files.createDirectories(into);
        Files.writeString(into.resolve("agent.yaml"), agentConfig(state.spec, i, dir.resolve(state.spec.nodeName(i))));
    }

    /** Starts (or restarts) the agent of {@code node}. */
    void startAgent(String node) throws IOException {
        List<String> argv = new ArrayList<>();
        String java = ProcessHandle.current().info().command().orElse("java");
        argv.add(java);
        // Small, quick-starting JVMs by default (a lab runs several on two cores); benchmarks override this with
        // VIADUCT_LAB_AGENT_JAVA_OPTS (e.g. to get C2) to measure a production-like agent.
        // The defaults are the agent's memory budget as bin/viaduct sets it.
        String opts = System.getenv().getOrDefault("VIADUCT_LAB_AGENT_JAVA_OPTS",
                "-XX:+UseSerialGC -Xms8m -Xmx128m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:MinHeapFreeRatio=10"
                        + " -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=30000 -XX:ReservedCodeCacheSize=24m -Xss512k");
        argv.add("--enable-native-access=ALL-UNNAMED");
        argv.add("--sun-misc-unsafe-memory-access=allow"); // protobuf under jetcd; silences a JDK 25 warning
        argv.addAll(List.of(opts.trim().split("\\s+")));
        argv.addAll(List.of("-Xshare:auto", "-cp", System.getProperty("java.class.path"), Lab.CLI_MAIN,
                "agent", "--config", dir.resolve(node).resolve("agent.yaml").toString()));
        var p = LabProcesses.spawn("agent", node, state.spec.nodeNs(node), argv, dir.resolve(node).resolve("agent.log"));
        synchronized (state) {
            state.processes.removeIf(x -> x.role().equals("agent") && x.node().equals(node));
            state.processes.add(p);
            state.save();
        }
    }

    /**
     * Starts a {@link PodListener} in {@code pod}'s namespace on {@code ports} and waits until every TCP port
     * accepts connections (UDP sockets are bound before it prints its ready line). Its process is recorded
     * under role {@code listener} and the pod's namespace, so teardown stops it.
     */
    void startListener(LabState.Pod pod, List<String> ports) throws IOException {
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-Xms8m", "-Xmx24m", "-XX:TieredStopAtLevel=1", "-Xss256k", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), PodListener.class.getName()));
        argv.addAll(ports);
        Path log = dir.resolve(pod.node()).resolve("listener-" + pod.name() + ".log");
        Files.createDirectories(log.getParent());
        var p = LabProcesses.spawn("listener", pod.namespace(), pod.namespace(), argv, log);
        synchronized (state) {
            state.processes.add(p);
            state.save();
        }
        await("listener of pod " + pod.name() + " on " + ports, Duration.ofSeconds(30), () -> {
            if (!LabProcesses.alive(p)) {
                throw new IllegalStateException("listener of pod " + pod.name() + " exited:\n" + tail(log, 15));
            }
            try {
                return Files.readString(log).contains("listening on");
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Stops the listener of {@code pod}, if it has one. */
    void stopListener(LabState.Pod pod) {
        List<LabState.Proc> mine;
        synchronized (state) {
            mine = state.processes.stream().filter(x -> x.role().equals("listener") && x.node().equals(pod.namespace())).toList();
        }
        for (LabState.Proc p : mine) {
            LabProcesses.stop(p, 2000);
            synchronized (state) {
                state.processes.remove(p);
                state.save();
            }
        }
    }

    /** Waits until the node's agent reports ready on {@code /readyz}; fails at once, with its log, if it exited. */
    void awaitAgent(String node, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        await("agent on " + node + " to be ready (/readyz)", timeout, () -> {
            Optional<LabState.Proc> p = agent(node);
            if (p.isEmpty() || !LabProcesses.alive(p.get())) {
                throw new IllegalStateException("agent on " + node + " exited; last log lines:\n" + tail(dir.resolve(node).resolve("agent.log"), 15));
            }
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create(agentUrl(state.spec, node) + "/readyz")).timeout(Duration.ofSeconds(2))
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

    Optional<LabState.Proc> agent(String node) {
        return state.processes.stream().filter(p -> p.role().equals("agent") && p.node().equals(node)).findFirst();
    }

    /** Stops the agent: SIGTERM (graceful) or SIGKILL. */
    void stopAgent(String node, boolean kill) {
        agent(node).ifPresent(p -> {
            if (kill) {
                LabProcesses.kill(p);
            } else {
                LabProcesses.stop(p, 10_000);
            }
        });
    }

    /** Base URL of a node agent's HTTP endpoints, reachable from the root namespace through the host leg. */
    static URI agentUrl(LabSpec spec, String node) {
        return URI.create("http://" + spec.nodeAddress(Integer.parseInt(node.substring(1))) + ":9099");
    }

    private void record(LabState.Proc p) {
        synchronized (state) {
            state.processes.add(p);
            state.save();
        }
    }

    /** The last {@code lines} lines of a log, or a note that there is none. */
    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    /** Polls {@code cond} with a growing pause (20 ms up to 250 ms) until it holds or {@code timeout} passes. */
    static void await(String what, Duration timeout, BooleanSupplier cond) {
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
}
