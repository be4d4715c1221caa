package dev.viaduct.ctl;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Pool;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The operations behind {@code viaduct ctl}: each gathers what it needs from the datastore and the agents and
 * returns a {@link Report}. The datastore is opened only by commands that need it (the {@code supplier} is
 * called at most once), so {@code ctl routes} against the local agent works without etcd.
 *
 * <p>How agents are found: the local one at {@code localAgent} (default {@code http://127.0.0.1:9099}); any
 * other node's through the {@code agentUrl} its agent publishes in its node record, or, for records without
 * one, {@code http://<node address>:9099}.
 *
 * <p>Concurrency: one command at a time; commands that ask several agents ask them in parallel on virtual threads.
 */
public final class Ctl implements AutoCloseable {
    /** The agents' default HTTP port (the config's {@code http.listen}). */
    public static final int DEFAULT_AGENT_PORT = 9099;

    private final Supplier<ClusterReader> clusterSupplier;
    private final AgentClient agents;
    private final URI localAgent;
    private ClusterReader cluster;

    public Ctl(Supplier<ClusterReader> cluster, AgentClient agents, URI localAgent) {
        this.clusterSupplier = cluster;
        this.agents = agents;
        this.localAgent = localAgent;
    }

    private ClusterReader cluster() {
        if (cluster == null) {
            cluster = clusterSupplier.get();
        }
        return cluster;
    }

    /** The URL of a node's agent (see the class comment). */
    public static URI agentUrl(NodeRecord n) {
        if (n.agentUrl() != null && !n.agentUrl().isBlank()) {
            return URI.create(n.agentUrl());
        }
        String addr = n.addresses().isEmpty() ? "127.0.0.1" : IpPrefix.parse(n.addresses().getFirst()).addressText();
        return URI.create("http://" + (addr.contains(":") ? "[" + addr + "]" : addr) + ":" + DEFAULT_AGENT_PORT);
    }

    private NodeRecord node(String name) {
        List<NodeRecord> all = cluster().nodes();
        return all.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow(() -> CtlException.problem(
                "no node named '" + name + "' (nodes: " + (all.isEmpty() ? "none" : String.join(", ",
                        all.stream().map(NodeRecord::name).toList())) + ")"));
    }

    /** The agents a per-node command talks to: one named node, every node, or the local agent. */
    private Map<String, URI> targets(Optional<String> node, boolean all) {
        Map<String, URI> out = new LinkedHashMap<>();
        if (all) {
            cluster().nodes().forEach(n -> out.put(n.name(), agentUrl(n)));
        } else if (node.isPresent()) {
            out.put(node.get(), agentUrl(node(node.get())));
        } else {
            out.put("", localAgent);
        }
        return out;
    }

    /** {@code ctl nodes}: every node record with its agent's readiness and its IPAM blocks. */
    public NodesReport nodes() {
        List<NodeRecord> records = cluster().nodes();
        List<Block> blocks = cluster().blocks();
        // pods are CNI attachments (their handles carry the container ID); tunnel addresses are not pods
        java.util.Set<String> podHandles = new java.util.HashSet<>();
        cluster().handles().stream().filter(h -> h.attributes().containsKey("containerID")).forEach(h -> podHandles.add(h.id()));
        Map<String, URI> urls = new LinkedHashMap<>();
        records.forEach(n -> urls.put(n.name(), agentUrl(n)));
        Map<String, Object> statuses = ask(urls);
        List<NodesReport.Row> rows = new ArrayList<>();
        for (NodeRecord n : records) {
            List<String> mine = blocks.stream().filter(b -> n.name().equals(b.affinity())).map(b -> b.cidr().toString()).toList();
            long pods = blocks.stream().flatMap(b -> b.allocations().stream())
                    .filter(a -> a.node().equals(n.name()) && podHandles.contains(a.handle())).count();
            Object st = statuses.get(n.name());
            rows.add(new NodesReport.Row(n, agentUrl(n), st instanceof AgentStatus s ? Optional.of(s) : Optional.empty(),
                    st instanceof CtlException e ? e.getMessage() : "", mine, pods));
        }
        return new NodesReport(rows);
    }

    /** Each agent's status, or the {@link CtlException} saying why it could not be had; asked in parallel. */
    private Map<String, Object> ask(Map<String, URI> targets) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<AgentStatus>> fs = new LinkedHashMap<>();
            targets.forEach((name, url) -> fs.put(name, ex.submit(() -> agents.status(url))));
            for (var e : fs.entrySet()) {
                try {
                    out.put(e.getKey(), e.getValue().get());
                } catch (ExecutionException x) {
                    out.put(e.getKey(), x.getCause() instanceof CtlException c ? c
                            : CtlException.unreachable(String.valueOf(x.getCause().getMessage()), x.getCause()));
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    throw CtlException.unreachable("interrupted", x);
                }
            }
        }
        return out;
    }

    /** {@code ctl routes}: desired against kernel routes on one node, every node, or the local agent's. */
    public RoutesReport routes(Optional<String> node, boolean all) {
        List<RoutesReport.NodeRoutes> out = new ArrayList<>();
        Map<String, URI> targets = targets(node, all);
        for (var t : ask(targets).entrySet()) {
            URI url = targets.get(t.getKey());
            switch (t.getValue()) {
                case AgentStatus s -> out.add(new RoutesReport.NodeRoutes(s.node(), url, Optional.of(RouteComparison.of(s)), ""));
                case CtlException e when !all -> throw e;
                case CtlException e -> out.add(new RoutesReport.NodeRoutes(t.getKey(), url, Optional.empty(), e.getMessage()));
                default -> throw new IllegalStateException("unexpected " + t.getValue());
            }
        }
        return new RoutesReport(out);
    }

    /** {@code ctl peers}: BGP sessions as the agents report them. */
    public PeersReport peers(Optional<String> node, boolean all) {
        List<PeersReport.NodePeers> out = new ArrayList<>();
        for (var t : ask(targets(node, all)).entrySet()) {
            switch (t.getValue()) {
                case AgentStatus s -> out.add(new PeersReport.NodePeers(s.node(), s.mode(), s.peers(), ""));
                case CtlException e when !all -> throw e;
                case CtlException e -> out.add(new PeersReport.NodePeers(t.getKey(), "", List.of(), e.getMessage()));
                default -> throw new IllegalStateException("unexpected " + t.getValue());
            }
        }
        return new PeersReport(out);
    }

    /** {@code ctl ipam show}: pools and blocks, or one pool, one node's share, or one address. */
    public Report ipamShow(Optional<IpPrefix> pool, Optional<String> node, Optional<InetAddress> ip) {
        List<Pool> pools = cluster().pools();
        List<Block> blocks = cluster().blocks();
        List<Handle> handles = cluster().handles();
        if (ip.isPresent()) {
            return IpamReports.address(ip.get(), pools, blocks, handles);
        }
        if (pool.isPresent()) {
            Pool p = pools.stream().filter(x -> x.cidr().toString().equals(pool.get().toString())).findFirst()
                    .orElseThrow(() -> CtlException.problem("no pool " + pool.get() + " (pools: "
                            + String.join(", ", pools.stream().map(x -> x.cidr().toString()).toList()) + ")"));
            return IpamReports.pools(List.of(p), blocks.stream().filter(b -> p.cidr().contains(b.cidr().address())).toList());
        }
        if (node.isPresent()) {
            return IpamReports.node(node.get(), blocks, handles, cluster().nodes().stream().anyMatch(n -> n.name().equals(node.get())));
        }
        return IpamReports.pools(pools, blocks);
    }

    /** {@code ctl ipam check}. */
    public Report ipamCheck() {
        return ipamCheck(DEFAULT_RECLAIM_AFTER);
    }

    /** The agents' default {@code ipam.reclaimAfter}. */
    public static final java.time.Duration DEFAULT_RECLAIM_AFTER = java.time.Duration.ofMinutes(10);

    /**
     * {@code ctl ipam check}: the consistency check, and which nodes the reclaimer would reclaim (now or at
     * what time, and why) with grace period {@code reclaimAfter}.
     */
    public Report ipamCheck(java.time.Duration reclaimAfter) {
        Map<String, List<AgentStatus.PendingRelease>> pending = new java.util.TreeMap<>();
        List<String> unknown = new ArrayList<>();
        ask(targets(Optional.empty(), true)).forEach((node, st) -> {
            if (st instanceof AgentStatus s) {
                pending.put(node, s.pendingReleases());
            } else {
                unknown.add(node);
            }
        });
        return IpamReports.check(cluster().check(), cluster().reclaimCheck(reclaimAfter), cluster().handles(), cluster().blocks(),
                new IpamReports.Owed(pending, unknown));
    }

    /**
     * {@code ctl ipam release --node}: every handle and block of {@code node}, now. Refused (exit 1) while the
     * node has a node record unless {@code force}: its agent runs (or stopped less than a lease TTL ago), so
     * its pods may be running.
     */
    public Report ipamReleaseNode(String node, boolean dryRun, boolean force) {
        if (!force && cluster().nodes().stream().anyMatch(n -> n.name().equals(node))) {
            throw CtlException.problem("node " + node + " has a node record: its agent runs (or stopped less than its lease TTL ago)"
                    + " and its pods may still use their addresses; stop it for good first, or use --force");
        }
        return IpamReports.releaseNode(node, cluster().releaseNode(node, force, dryRun));
    }

    /**
     * {@code ctl ipam release --ip}: frees one address. Refuses (exit 1) when the address belongs to a pod its
     * node's agent still serves, unless {@code force}; refuses (exit 3) when that cannot be told because the
     * agent does not answer. A dry run changes nothing and says what a real run would do.
     */
    public Report ipamRelease(InetAddress ip, boolean dryRun, boolean force) {
        List<Pool> pools = cluster().pools();
        if (pools.stream().noneMatch(p -> p.cidr().contains(ip))) {
            throw CtlException.problem(ip.getHostAddress() + " is not in any pool; nothing to release");
        }
        Optional<Block.Allocation> alloc = cluster().blocks().stream().filter(b -> b.cidr().contains(ip)).findFirst()
                .flatMap(b -> b.allocation(ip));
        if (alloc.isEmpty()) {
            return IpamReports.release(ip, Optional.empty(), dryRun, false, "not allocated; nothing to release");
        }
        String holder = alloc.get().node();
        Optional<NodeRecord> rec = cluster().nodes().stream().filter(n -> n.name().equals(holder)).findFirst();
        String liveness;
        boolean live = false;
        if (rec.isEmpty()) {
            liveness = "node " + holder + " has no node record, so no agent serves this pod";
        } else {
            try {
                AgentStatus s = agents.status(agentUrl(rec.get()));
                live = s.endpoints().stream().anyMatch(e -> e.addresses().contains(ip));
                liveness = live ? "node " + holder + "'s agent still serves a pod with this address ("
                        + s.endpoints().stream().filter(e -> e.addresses().contains(ip)).findFirst().orElseThrow().hostVeth() + ")"
                        : "node " + holder + "'s agent serves no pod with this address (leaked)";
            } catch (CtlException e) {
                if (!force) {
                    throw CtlException.unreachable("cannot tell whether " + ip.getHostAddress() + " is in use: " + e.getMessage()
                            + "; use --force to release anyway", e);
                }
                liveness = "unknown (" + e.getMessage() + ")";
            }
        }
        if (live && !force) {
            return IpamReports.refused(ip, alloc.get(), liveness + "; releasing it would let IPAM hand it out twice."
                    + " Delete the pod instead, or use --force");
        }
        if (dryRun) {
            return IpamReports.release(ip, alloc, true, true, "would release (" + liveness + ")");
        }
        Optional<String> released = cluster().release(ip);
        return IpamReports.release(ip, alloc, false, released.isPresent(),
                released.isPresent() ? "released (" + liveness + ")" : "was released by someone else meanwhile");
    }

    /** {@code ctl explain A B}. */
    public Explanation explain(InetAddress a, InetAddress b) {
        ClusterReader c = cluster();
        PathExplainer pe = new PathExplainer(c.pools(), c.blocks(), c.handles(), c.nodes(), n -> agents.status(agentUrl(n)));
        return pe.explain(a, b);
    }

    @Override
    public void close() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
