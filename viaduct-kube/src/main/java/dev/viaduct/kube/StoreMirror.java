package dev.viaduct.kube;

import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamException;
import dev.viaduct.store.KubeNodeRecord;
import dev.viaduct.ipam.ReclaimReport;
import dev.viaduct.kube.MirrorPlan.NodeFate;
import dev.viaduct.kube.MirrorPlan.Step;
import dev.viaduct.kube.MirrorPlan.Stored;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the store's records of Nodes, Namespaces, Pods and NetworkPolicies equal to the informers' caches,
 * gives deleted Nodes' blocks and addresses back, and releases the addresses of pods the API no longer
 * lists. Level-triggered: a signal only says which object (or, after a list, which whole kind) to look at
 * again; what to write is decided from the cache and the store as they are then ({@link MirrorPlan},
 * {@link PodGc}). After every list the kind's whole store directory is diffed against the cache, so records
 * of objects deleted while no watch ran go too; nothing is ever deleted except by such a diff or by a
 * deletion the informer reported, so an unreachable API (no list, no events) deletes nothing.
 *
 * <p>Concurrency: one virtual thread ("kube-mirror") owns all the state here and is the only thread that
 * writes the store: it takes the informers' signals from a queue, holds the mirror (each record as last read
 * or written, with its mod_revision, which every write compares) and the pod GC's sightings. A store
 * failure leaves the work pending; it is tried again with backoff (1 s doubling to 30 s). {@link #close}
 * stops the thread and waits for it. {@link #notReady} and {@link #heartbeatNanos} read volatiles.
 */
final class StoreMirror implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StoreMirror.class.getName());
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Datastore store;
    private final Keys keys;
    private final Ipam ipam;
    private final Informers api;
    private final KubeMetrics metrics;
    private final InstantSource clock;
    private final Duration podGcGrace;
    private final Duration sweepInterval;

    private final LinkedBlockingQueue<Informers.Signal> signals = new LinkedBlockingQueue<>();
    private final Map<Kind, Map<String, Stored>> mirror = new EnumMap<>(Kind.class);
    private final Set<Kind> resync = new LinkedHashSet<>();
    private final Map<Kind, Set<String>> dirty = new EnumMap<>(Kind.class);
    private final Set<String> reportedInvalid = new HashSet<>();
    private Map<String, Instant> deadSince = Map.of();
    private volatile boolean synced;
    private volatile String storeError = "";
    private volatile long heartbeatNanos = System.nanoTime();
    private volatile boolean closed;
    private Thread thread;

    /**
     * @param podGcGrace    how long a pod must be missing from the API before its addresses are released
     * @param sweepInterval how often deleted Nodes and leaked pod addresses are looked at again
     */
    StoreMirror(Datastore store, Keys keys, Ipam ipam, Informers.Factory informers, KubeMetrics metrics, InstantSource clock,
            Duration podGcGrace, Duration sweepInterval) {
        this.store = store;
        this.keys = keys;
        this.ipam = ipam;
        this.api = informers.create(signals::add, metrics);
        this.metrics = metrics;
        this.clock = clock;
        this.podGcGrace = podGcGrace;
        this.sweepInterval = sweepInterval;
        Kind.ALL.forEach(k -> dirty.put(k, new LinkedHashSet<>()));
    }

    synchronized StoreMirror start() {
        if (thread == null) {
            thread = Thread.ofVirtual().name("kube-mirror").start(this::loop);
            api.start();
        }
        return this;
    }

    /** Why the store does not mirror the API now; empty when it does (as of the last signal handled). */
    String notReady() {
        String a = api.notReady();
        String s = storeError;
        if (a.isEmpty() && s.isEmpty() && !synced) {
            return "resyncing the store";
        }
        return a.isEmpty() ? s : s.isEmpty() ? a : a + "; " + s;
    }

    /** When the loop last went round (a stuck store call stops it). */
    long heartbeatNanos() {
        return heartbeatNanos;
    }

    private void loop() {
        Duration backoff = Duration.ZERO;
        long retryAt = System.nanoTime();
        Instant nextSweep = clock.instant().plus(sweepInterval);
        while (!closed) {
            heartbeatNanos = System.nanoTime();
            boolean pending = !resync.isEmpty() || dirty.values().stream().anyMatch(s -> !s.isEmpty());
            long waitNanos = Math.min(Duration.between(clock.instant(), nextSweep).toNanos(),
                    pending ? retryAt - System.nanoTime() : Long.MAX_VALUE);
            waitNanos = Math.max(0, Math.min(waitNanos, TimeUnit.SECONDS.toNanos(1)));
            try {
                Informers.Signal first = signals.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (first != null) {
                    take(first);
                    List<Informers.Signal> more = new ArrayList<>();
                    signals.drainTo(more);
                    more.forEach(this::take);
                }
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            if (System.nanoTime() - retryAt >= 0) {
                try {
                    work();
                    backoff = Duration.ZERO;
                    storeError = "";
                } catch (StoreException | IpamException e) {
                    backoff = backoff.isZero() ? Duration.ofSeconds(1) : min(backoff.multipliedBy(2), MAX_BACKOFF);
                    retryAt = System.nanoTime() + backoff.toNanos();
                    storeError = "store unreachable: " + e.getMessage() + " (retrying in " + backoff.toSeconds() + "s)";
                    metrics.storeError();
                    LOG.log(Level.WARNING, "store write failed, retrying in {0}s: {1}", backoff.toSeconds(), e.getMessage());
                }
            }
            if (!clock.instant().isBefore(nextSweep)) {
                nextSweep = clock.instant().plus(sweepInterval);
                try {
                    sweep();
                } catch (StoreException | IpamException e) {
                    metrics.storeError();
                    LOG.log(Level.WARNING, "sweep of deleted nodes and pods failed, next in {0}: {1}", sweepInterval, e.getMessage());
                }
            }
        }
    }

    private void take(Informers.Signal s) {
        switch (s) {
            case Informers.Signal.Listed l -> resync.add(l.kind());
            case Informers.Signal.Changed c -> dirty.get(c.kind()).add(c.key());
        }
    }

    /** Full resyncs first (they cover their kind's changes), then single objects; each removed once done. */
    private void work() {
        for (Kind k : List.copyOf(resync)) {
            dirty.get(k).clear();
            fullSync(k);
            resync.remove(k);
        }
        synced = Kind.ALL.stream().allMatch(mirror::containsKey);
        for (Kind k : Kind.ALL) {
            Set<String> d = dirty.get(k);
            for (String key : List.copyOf(d)) {
                d.remove(key);
                if (!mirror.containsKey(k)) {
                    continue; // before the kind's first list, its full sync covers it
                }
                try {
                    one(k, key);
                } catch (RuntimeException e) {
                    d.add(key);
                    throw e;
                }
            }
        }
    }

    // ------------------------------------------------------------------ full resync and single objects

    private void fullSync(Kind kind) {
        Map<String, Stored> stored = new TreeMap<>();
        for (KeyValue kv : store.list(kind.directory(keys)).kvs()) {
            stored.put(kv.key(), new Stored(kv.value(), kv.modRevision()));
        }
        mirror.put(kind, stored);
        Map<String, byte[]> desired = new TreeMap<>();
        List<String> toRelease = new ArrayList<>();
        if (kind == Kind.NODES) {
            Set<String> named = ipamNodes();
            Set<String> agents = agentNodes();
            Set<String> names = new TreeSet<>(api.keys(kind));
            stored.keySet().forEach(k -> names.add(keys.nameIn(keys.kubeNodes(), k)));
            for (String n : names) {
                NodeFate f = nodeFate(n, named.contains(n), agents.contains(n));
                f.record().ifPresent(r -> desired.put(keys.kubeNode(n), KubeNodeRecord.CODEC.encode(r)));
                if (f.release()) {
                    toRelease.add(n);
                }
            }
        } else {
            for (HasMetadata o : api.list(kind)) {
                String sk = kind.key(keys, Informers.key(o));
                record(kind, sk, o).ifPresent(v -> desired.put(sk, v));
            }
        }
        List<Step> steps = MirrorPlan.diff(desired, stored);
        LOG.log(Level.INFO, "resync kind={0} api={1,number,#} store={2,number,#} writes={3,number,#}", kind.apiKind(),
                api.keys(kind).size(), stored.size(), steps.size());
        for (Step s : steps) {
            apply(kind, s);
        }
        for (String n : toRelease) {
            if (releaseNode(n)) {
                syncNode(n, false);
            }
        }
    }

    private void one(Kind kind, String informerKey) {
        String sk = kind.key(keys, informerKey);
        Optional<Stored> stored = Optional.ofNullable(mirror.get(kind).get(sk));
        if (kind == Kind.NODES) {
            syncNode(informerKey, true);
            return;
        }
        Optional<byte[]> desired = api.get(kind, informerKey).flatMap(o -> record(kind, sk, o));
        MirrorPlan.step(sk, desired, stored).ifPresent(s -> apply(kind, s));
    }

    /**
     * Brings one Node's record in line ({@link MirrorPlan#node}); when that says to release the node and the
     * release succeeds, looks once more, so that the record of a node nothing names any more goes at once.
     */
    private void syncNode(String name, boolean mayRelease) {
        String sk = keys.kubeNode(name);
        Optional<Stored> stored = Optional.ofNullable(mirror.get(Kind.NODES).get(sk));
        boolean listed = api.get(Kind.NODES, name).isPresent();
        NodeFate f = nodeFate(name, !listed && stored.isPresent() && ipamNodes().contains(name),
                !listed && store.get(keys.node(name)).isPresent());
        MirrorPlan.step(sk, f.record().map(KubeNodeRecord.CODEC::encode), stored).ifPresent(s -> apply(Kind.NODES, s));
        if (f.release() && mayRelease && releaseNode(name)) {
            syncNode(name, false);
        }
    }

    private NodeFate nodeFate(String name, boolean ipamNamesIt, boolean agentUp) {
        String sk = keys.kubeNode(name);
        Optional<KubeNodeRecord> listed = api.get(Kind.NODES, name).map(o -> Records.node((Node) o));
        Optional<KubeNodeRecord> stored = Optional.ofNullable(mirror.get(Kind.NODES).get(sk)).flatMap(s -> {
            try {
                return Optional.of(KubeNodeRecord.CODEC.decode(sk, s.value()));
            } catch (StoreException e) {
                // not a record this version reads: rewrite it (or, for a Node no longer listed, mark it deleted)
                return Optional.of(new KubeNodeRecord(Map.of(), false));
            }
        });
        return MirrorPlan.node(listed, stored, agentUp, ipamNamesIt);
    }

    private Optional<byte[]> record(Kind kind, String storeKey, HasMetadata o) {
        return switch (kind) {
            case NODES -> Optional.of(KubeNodeRecord.CODEC.encode(Records.node((Node) o)));
            case NAMESPACES -> Optional.of(Records.namespace((Namespace) o));
            case PODS -> Records.pod((Pod) o);
            case POLICIES -> switch (Records.policy((NetworkPolicy) o)) {
                case Records.PolicyRecord.Valid v -> Optional.of(v.json());
                case Records.PolicyRecord.Invalid i -> {
                    if (reportedInvalid.add(storeKey + "@" + o.getMetadata().getResourceVersion())) {
                        metrics.invalidPolicy();
                        LOG.log(Level.WARNING, "NetworkPolicy {0} not written to the store (its record, if any, is removed): {1}",
                                Informers.key(o), i.why());
                    }
                    yield Optional.empty();
                }
            };
        };
    }

    /** One compare-and-swap write; when the key changed meanwhile, the mirror takes the store's value and the object is looked at again. */
    private void apply(Kind kind, Step step) {
        Txn.Builder t = Txn.builder().ifModRevision(step.key(), step.expected()).elseGet(step.key());
        switch (step) {
            case Step.Put p -> t.put(p.key(), p.value());
            case Step.Delete d -> t.delete(d.key());
        }
        TxnResult r = store.txn(t.build());
        Map<String, Stored> m = mirror.get(kind);
        if (r.succeeded()) {
            switch (step) {
                case Step.Put p -> m.put(p.key(), new Stored(p.value(), r.revision()));
                case Step.Delete d -> m.remove(d.key());
            }
            metrics.wrote(kind, step instanceof Step.Put ? "put" : "delete");
            return;
        }
        KeyValue now = r.getsByKey().get(step.key());
        if (now == null) {
            m.remove(step.key());
        } else {
            m.put(step.key(), new Stored(now.value(), now.modRevision()));
        }
        LOG.log(Level.INFO, "store key {0} was changed by another writer; looking at it again", step.key());
        dirty.get(kind).add(keys.nameIn(kind.directory(keys), step.key()));
    }

    // ------------------------------------------------------------------ deleted nodes and leaked pod addresses

    /**
     * Gives a deleted Node's blocks and addresses back through IPAM's release of a node, which compares that
     * its agent's record is still absent. False when IPAM refused (the agent came back); the sweep looks again.
     */
    private boolean releaseNode(String node) {
        try {
            ReclaimReport r = ipam.releaseNode(node, false, false);
            metrics.nodeReleased();
            LOG.log(Level.INFO, "deleted node {0}: released {1,number,#} addresses and {2,number,#} blocks", node, r.addresses(),
                    r.blocks().size());
            return r.skipped().isEmpty();
        } catch (IpamException e) {
            if (e.tryAgain()) {
                throw e;
            }
            LOG.log(Level.WARNING, "deleted node {0} not released yet: {1}", node, e.getMessage());
            return false;
        }
    }

    /**
     * Looks again at every Node record marked deleted (its agent may have stopped since, or a reclaimer
     * finished it), then releases the addresses of pods gone from the API for the grace period.
     */
    private void sweep() {
        Map<String, Stored> nodes = mirror.get(Kind.NODES);
        if (nodes != null) {
            for (String sk : List.copyOf(nodes.keySet())) {
                String n = keys.nameIn(keys.kubeNodes(), sk);
                if (api.current(Kind.NODES) && api.get(Kind.NODES, n).isEmpty()) {
                    syncNode(n, true);
                }
            }
        }
        if (!api.current(Kind.PODS)) {
            return; // pods are known to be gone only from a cache that is the API's state
        }
        Set<String> live = new HashSet<>(api.keys(Kind.PODS));
        PodGc.Decision d = PodGc.decide(ipam.handles(), live, deadSince, clock.instant(), podGcGrace);
        deadSince = d.deadSince();
        for (String h : d.release()) {
            var released = ipam.releaseByHandle(h);
            metrics.podAddressReleased();
            LOG.log(Level.WARNING, "pod gc: released handle={0} addresses={1}: its pod has been gone from the API for {2}", h,
                    released, podGcGrace);
        }
    }

    private Set<String> ipamNodes() {
        Set<String> named = new TreeSet<>();
        for (Block b : ipam.blocks()) {
            b.affineNode().ifPresent(named::add);
            b.allocations().forEach(a -> named.add(a.node()));
        }
        for (Handle h : ipam.handles()) {
            named.add(h.node());
        }
        return named;
    }

    private Set<String> agentNodes() {
        Set<String> up = new TreeSet<>();
        store.list(keys.nodes()).kvs().forEach(kv -> up.add(keys.nameIn(keys.nodes(), kv.key())));
        return up;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public void close() {
        closed = true;
        api.close();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
