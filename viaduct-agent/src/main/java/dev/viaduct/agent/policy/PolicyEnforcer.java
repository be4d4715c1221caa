package dev.viaduct.agent.policy;

import dev.viaduct.agent.nat.Nft;
import dev.viaduct.agent.pod.DataplaneException;
import dev.viaduct.agent.reconcile.ReconcileLoop;
import dev.viaduct.ipam.Handle;
import dev.viaduct.policy.compile.PolicyCompiler;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.nft.NftScript;
import dev.viaduct.policy.nft.Ruleset;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Enforces NetworkPolicy on this node: keeps the kernel's {@code inet viaduct-policy} table equal to what
 * {@link PolicyCompiler} makes of the store's policies, pods, namespaces and IPAM handles ({@link PolicyInputs}).
 *
 * <p>Every change is one {@code nft -f} transaction: the delta from the ruleset last applied
 * ({@link NftScript#renderUpdate}) while the kernel table is known to be exactly that ruleset, the whole table
 * otherwise ({@link NftScript#render}, which replaces it atomically: packets never see it missing). After each
 * apply the table is listed and remembered ({@link KernelTable}); a resync pass lists it again and anything
 * different (deleted, flushed, edited by hand) makes the next apply a full one, so drift is repaired within one
 * resync interval. Other tables are never touched.
 *
 * <p>Fail closed: {@link #close} leaves the table in place, so pods stay isolated while the agent is down, and
 * a starting agent replaces it in one transaction, never deleting or flushing it first.
 *
 * <p>A new pod is covered from its first packet: the CNI ADD calls {@link #awaitEnforced} with its handle,
 * which puts the pod into the inputs at once (the store watch may deliver the handle later), takes a
 * generation number and waits until a pass that started after it has applied.
 *
 * <p>Concurrency: setters (store watch threads, CNI calls) change {@link PolicyInputs} under {@code lock} and
 * kick a {@link ReconcileLoop} on a virtual thread (it blocks on the nft process); what the pass alone touches
 * ({@code applied}, {@code appliedContent}) needs no lock; results for metrics and waiters go back under the lock.
 */
public final class PolicyEnforcer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.policy");
    static final String FAMILY = "inet";

    private final Nft nft;
    private final String node;
    private final Supplier<List<InetAddress>> nodeIps;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appliedChanged = lock.newCondition();
    private final ReconcileLoop<Snapshot> loop;
    // --- guarded by lock ---
    private final PolicyInputs inputs;
    private final java.util.EnumSet<PolicyInputs.Kind> synced = java.util.EnumSet.noneOf(PolicyInputs.Kind.class);
    private boolean handlesSynced;
    private long wanted;
    private long appliedGeneration;
    private String problem = "";
    private int rules;
    private Map<String, List<String>> counterLabels = Map.of();
    private Map<String, Long> counterPackets = Map.of();
    // --- pass thread only ---
    private Ruleset applied;
    private String appliedContent;

    /** nft transactions applied (full or delta), full ones among them, and tables found changed behind our back. */
    public final AtomicLong applies = new AtomicLong();
    public final AtomicLong fullApplies = new AtomicLong();
    public final AtomicLong drifted = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    private volatile ApplyObserver observer = (full, nanos) -> { };

    /** Told the duration of each apply (compile, nft, read-back). */
    @FunctionalInterface
    public interface ApplyObserver {
        void applied(boolean full, long nanos);
    }

    record Snapshot(long generation, boolean resync, Cluster cluster, Map<String, List<String>> counterLabels) {
    }

    public PolicyEnforcer(Nft nft, String node, Supplier<List<InetAddress>> nodeIps, PolicyInputs inputs, Duration resync) {
        this.nft = nft;
        this.node = node;
        this.nodeIps = nodeIps;
        this.inputs = inputs;
        this.loop = new ReconcileLoop<>(lock, new ReconcileLoop.Settings("policy", false, resync, Duration.ofSeconds(1)),
                () -> synced.size() == PolicyInputs.Kind.values().length && handlesSynced, this::snapshot, this::pass);
    }

    public void start() {
        loop.start();
    }

    public void onApply(ApplyObserver o) {
        observer = o;
    }

    // ------------------------------------------------------------------ inputs

    /** Changes the inputs under the lock and asks for a pass. */
    public void update(java.util.function.Consumer<PolicyInputs> change) {
        lock.lock();
        try {
            change.accept(inputs);
            wanted++;
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /** The directory of {@code kind} has been listed (its records are in): one of the conditions for the first pass. */
    public void synced(PolicyInputs.Kind kind) {
        lock.lock();
        try {
            synced.add(kind);
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    public void handlesSynced() {
        lock.lock();
        try {
            handlesSynced = true;
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once a ruleset that includes {@code handle} (a pod of this node, just assigned) is in the kernel.
     * Throws when that does not happen within {@code deadline}, so the ADD fails rather than start a pod unguarded.
     */
    public void awaitEnforced(Handle handle, Duration deadline) throws DataplaneException {
        long end = System.nanoTime() + deadline.toNanos();
        lock.lock();
        try {
            inputs.putHandle(handle);
            long mine = ++wanted;
            loop.kick();
            while (appliedGeneration < mine) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new DataplaneException("policy for pod " + handle.attributes().get(PolicyInputs.ATTR_NAMESPACE) + "/"
                            + handle.attributes().get(PolicyInputs.ATTR_POD) + " not in the kernel after " + deadline.toMillis()
                            + " ms" + (problem.isEmpty() ? "" : ": " + problem));
                }
                appliedChanged.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataplaneException("interrupted while waiting for the pod's policy rules", e, false);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ state for metrics and status

    /** Why the last pass failed, or "". */
    public String problem() {
        return locked(() -> problem);
    }

    /** Rules in the ruleset last applied. */
    public int rules() {
        return locked(() -> rules);
    }

    public int policies() {
        return locked(inputs::policyCount);
    }

    /** Store records that do not decode (key → why). */
    public Map<String, String> recordProblems() {
        return locked(inputs::problems);
    }

    private <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /** Packets dropped per (namespace, policy, direction), from the table's named counters as last read. */
    public Map<List<String>, Double> dropped() {
        lock.lock();
        try {
            Map<List<String>, Double> out = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
            counterPackets.forEach((name, packets) -> {
                List<String> labels = counterLabels.get(name);
                if (labels != null) {
                    out.merge(labels, (double) packets, Double::sum);
                }
            });
            return out;
        } finally {
            lock.unlock();
        }
    }

    public OptionalLong stalledSince() {
        return loop.stalledSince();
    }

    // ------------------------------------------------------------------ the pass

    private Snapshot snapshot(boolean resync) {
        Cluster c = inputs.cluster(List.of(new Node(node, nodeIps.get())));
        Map<String, List<String>> labels = new TreeMap<>();
        for (NetworkPolicy p : c.policies()) {
            for (PolicyType t : p.spec().effectiveTypes()) {
                labels.put(PolicyCompiler.counter(p, t), List.of(p.namespace(), p.name(), t.name().toLowerCase()));
            }
        }
        return new Snapshot(wanted, resync, c, labels);
    }

    private boolean pass(Snapshot s) {
        long t0 = System.nanoTime();
        try {
            Ruleset desired = PolicyCompiler.compile(s.cluster(), node, nodeIps.get());
            if (s.resync() || appliedContent == null) {
                Optional<KernelTable> k = nft.listTable(FAMILY, PolicyCompiler.TABLE).map(KernelTable::parse);
                k.ifPresent(t -> counters(t, s.counterLabels()));
                if (applied != null && (k.isEmpty() || !k.get().content().equals(appliedContent))) {
                    drifted.incrementAndGet();
                    LOG.log(System.Logger.Level.WARNING, "policy table {0} {1} changed behind the agent''s back ({2}): rewriting it",
                            FAMILY, PolicyCompiler.TABLE, k.isEmpty() ? "deleted" : "edited");
                    applied = null;
                }
            }
            if (applied == null || !applied.equals(desired)) {
                boolean full = applied == null;
                String script = full ? NftScript.render(desired) : NftScript.renderUpdate(applied, desired);
                applied = null;
                nft.apply(script);
                applied = desired;
                KernelTable now = nft.listTable(FAMILY, PolicyCompiler.TABLE).map(KernelTable::parse)
                        .orElseThrow(() -> new Nft.NftException("table " + PolicyCompiler.TABLE + " missing right after it was applied"));
                appliedContent = now.content();
                counters(now, s.counterLabels());
                applies.incrementAndGet();
                if (full) {
                    fullApplies.incrementAndGet();
                }
                long nanos = System.nanoTime() - t0;
                observer.applied(full, nanos);
                LOG.log(System.Logger.Level.DEBUG, "policy applied full={0} rules={1} ms={2}", full, desired.ruleCount(),
                        String.format("%.1f", nanos / 1e6));
            }
            done(s.generation(), desired.ruleCount(), "");
            return true;
        } catch (Nft.NftException | IllegalArgumentException e) {
            applied = null;
            appliedContent = null;
            errors.incrementAndGet();
            done(-1, -1, e.getMessage());
            return false;
        }
    }

    private void counters(KernelTable t, Map<String, List<String>> labels) {
        lock.lock();
        try {
            counterPackets = Map.copyOf(t.counterPackets());
            counterLabels = labels;
        } finally {
            lock.unlock();
        }
    }

    private void done(long generation, int ruleCount, String failure) {
        lock.lock();
        try {
            if (!failure.equals(problem) && !failure.isEmpty()) {
                LOG.log(System.Logger.Level.ERROR, "policy not applied: {0}", failure);
            }
            problem = failure;
            if (generation >= 0) {
                appliedGeneration = Math.max(appliedGeneration, generation);
                rules = ruleCount;
                appliedChanged.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops the loop; the table stays (fail closed). */
    @Override
    public void close() {
        loop.close();
    }
}
