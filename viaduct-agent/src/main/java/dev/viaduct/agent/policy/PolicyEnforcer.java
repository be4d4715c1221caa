package dev.viaduct.agent.policy;

import dev.viaduct.agent.nat.Nft;
import dev.viaduct.agent.pod.DataplaneException;
import dev.viaduct.agent.reconcile.ReconcileLoop;
import dev.viaduct.policy.compile.NodeCompiler;
import dev.viaduct.policy.compile.PolicyCompiler;
import dev.viaduct.policy.nft.KernelTable;
import dev.viaduct.policy.nft.NftScript;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.RulesetDelta;
import dev.viaduct.policy.node.PolicyInputs;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * Enforces NetworkPolicy on this node: keeps the kernel's {@code inet viaduct-policy} table equal to what
 * {@link NodeCompiler} makes of the store's policies, pods, namespaces and IPAM's endpoints ({@link PolicyInputs},
 * which feeds the compiler each change as it comes).
 *
 * <p>Every change is one {@code nft -f} transaction: the compiler's delta since the last pass
 * ({@link NodeCompiler#drain}: the set and map elements and chains the changes touched) while the kernel table is
 * known to be what was applied, the whole table otherwise ({@link NftScript#render(Ruleset)}, which replaces it
 * atomically: packets never see it missing). After an apply, once no further change is waiting, the table is
 * listed and remembered ({@link KernelTable}); a resync pass lists it again and anything different (deleted,
 * flushed, edited by hand) makes that pass a full one, so drift is repaired within one resync interval. Other
 * tables are never touched.
 *
 * <p>Fail closed: {@link #close} leaves the table in place, so pods stay isolated while the agent is down, and
 * a starting agent replaces it in one transaction, never deleting or flushing it first.
 *
 * <p>A new pod is covered from its first packet: the CNI ADD calls {@link #awaitEnforced} with its endpoint,
 * which puts the pod into the inputs at once (the store watch may deliver the handle later), takes a
 * generation number and waits until a pass that started after it has applied its transaction (the read-back
 * that follows does not hold the ADD up). A pod that changes nothing in the table (no policy selects it or its
 * address) does not wait when every earlier change is already applied.
 *
 * <p>Concurrency: setters (store watch threads, CNI calls) change {@link PolicyInputs} under {@code lock} and
 * kick a {@link ReconcileLoop} on a virtual thread (it blocks on the nft process); the snapshot (under the lock)
 * drains the compiler's delta; what the pass alone touches ({@code kernelKnown}, {@code appliedContent}) needs
 * no lock; results for metrics and waiters go back under the lock.
 */
public final class PolicyEnforcer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.policy");
    static final String FAMILY = "inet";

    private final Nft nft;
    private final Supplier<List<InetAddress>> nodeIps;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appliedChanged = lock.newCondition();
    private final ReconcileLoop<Snapshot> loop;
    // --- guarded by lock ---
    private final PolicyInputs inputs;
    private final EnumSet<PolicyInputs.Kind> synced = EnumSet.noneOf(PolicyInputs.Kind.class);
    private boolean endpointsSynced;
    private long wanted;
    private long appliedGeneration;
    /** A pass has put the table in the kernel since start (before that the inputs may not be complete). */
    private boolean enforcedOnce;
    private String problem = "";
    private int rules;
    private Instant lastApplied;
    private long lastApplyNanos;
    private boolean lastApplyFull;
    private Map<String, List<String>> counterLabels = Map.of();
    private Map<String, Long> counterPackets = Map.of();
    // --- loop thread only (snapshot and pass) ---
    /** The kernel table is what the applied full table and deltas since make it; false: write it whole. */
    private boolean kernelKnown;
    private String appliedContent;
    /** Applied since {@code appliedContent} was listed: the next quiet pass lists the table again. */
    private boolean readBackDue;

    /** nft transactions applied (full or delta), full ones among them, and tables found changed behind our back. */
    public final AtomicLong applies = new AtomicLong();
    public final AtomicLong fullApplies = new AtomicLong();
    public final AtomicLong drifted = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    private volatile ApplyObserver observer = (full, nanos) -> { };

    /** Told the duration of each apply (drain of the compiler's changes, render and nft transaction). */
    @FunctionalInterface
    public interface ApplyObserver {
        void applied(boolean full, long nanos);
    }

    /** A pass's work: the whole table when it may have to write it whole, and the delta since the last pass. */
    record Snapshot(long generation, boolean resync, Ruleset full, RulesetDelta delta, Map<String, List<String>> counterLabels,
                    int rules, long takenAt) {
    }

    public PolicyEnforcer(Nft nft, String node, Supplier<List<InetAddress>> nodeIps, Duration resync) {
        this.nft = nft;
        this.nodeIps = nodeIps;
        this.inputs = new PolicyInputs(node);
        this.loop = new ReconcileLoop<>(lock, new ReconcileLoop.Settings("policy", false, resync, Duration.ofSeconds(1)),
                () -> synced.size() == PolicyInputs.Kind.values().length && endpointsSynced, this::snapshot, this::pass);
    }

    public void start() {
        loop.start();
    }

    public void onApply(ApplyObserver o) {
        observer = o;
    }

    // ------------------------------------------------------------------ inputs

    /** Changes the inputs under the lock and asks for a pass. */
    public void update(Consumer<PolicyInputs> change) {
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

    public void endpointsSynced() {
        lock.lock();
        try {
            endpointsSynced = true;
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once a ruleset that includes {@code endpoint} (a pod of this node, just assigned) is in the kernel.
     * Throws when that does not happen within {@code deadline}, so the ADD fails rather than start a pod unguarded.
     */
    public void awaitEnforced(PolicyInputs.Endpoint endpoint, Duration deadline) throws DataplaneException {
        long end = System.nanoTime() + deadline.toNanos();
        lock.lock();
        try {
            inputs.putEndpoint(endpoint);
            if (enforcedOnce && appliedGeneration == wanted && !inputs.compiler().touched()) {
                return; // every change is in the kernel, and this pod changes nothing there: no policy selects it or its address
            }
            long mine = ++wanted;
            loop.kick();
            while (appliedGeneration < mine) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new DataplaneException("policy for pod " + endpoint.namespace() + "/" + endpoint.pod() + " not in the kernel after "
                            + deadline.toMillis() + " ms" + (problem.isEmpty() ? "" : ": " + problem));
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
        return locked(() -> inputs.compiler().policyCount());
    }

    /** Store records that do not decode (kind and name → why). */
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

    /** The {@code policy} object of {@code /status}. */
    public void writeStatus(ObjectNode o) {
        lock.lock();
        try {
            o.put("table", FAMILY + " " + PolicyCompiler.TABLE);
            o.put("policies", inputs.compiler().policyCount());
            o.put("rules", rules);
            o.put("lastApply", lastApplied == null ? "" : lastApplied.toString());
            o.put("lastApplyKind", lastApplied == null ? "" : lastApplyFull ? "full" : "delta");
            o.put("lastApplyMs", lastApplyNanos / 1e6);
            o.put("applies", applies.get());
            o.put("fullApplies", fullApplies.get());
            o.put("driftRepairs", drifted.get());
            o.put("errors", errors.get());
            o.put("problem", problem);
            inputs.problems().forEach(o.putObject("badRecords")::put);
        } finally {
            lock.unlock();
        }
    }

    public OptionalLong stalledSince() {
        return loop.stalledSince();
    }

    // ------------------------------------------------------------------ the pass

    private Snapshot snapshot(boolean resync) {
        long t0 = System.nanoTime();
        inputs.setNodeIps(nodeIps.get());
        NodeCompiler c = inputs.compiler();
        Ruleset full = resync || !kernelKnown ? c.ruleset() : null;
        return new Snapshot(wanted, resync, full, c.drain(), c.counterLabels(), c.ruleCount(), t0);
    }

    private boolean pass(Snapshot s) {
        try {
            boolean whole = !kernelKnown;
            if (s.resync() && kernelKnown) {
                KernelTable k = nft.listTable(FAMILY, PolicyCompiler.TABLE).map(KernelTable::parse).orElse(null);
                if (k != null) {
                    counters(k, s.counterLabels());
                }
                if (readBackDue && k != null) {
                    readBack(k, s);
                } else if (k == null || !k.content().equals(appliedContent)) {
                    drifted.incrementAndGet();
                    LOG.log(System.Logger.Level.WARNING, "policy table {0} {1} changed behind the agent''s back ({2}): rewriting it",
                            FAMILY, PolicyCompiler.TABLE, k == null ? "deleted" : "edited");
                    whole = true;
                }
            }
            if (!whole && s.delta().isEmpty()) {
                if (readBackDue) {
                    readBack(listed(), s);
                }
                enforced(s.generation());
                done(s.rules(), "");
                return true;
            }
            kernelKnown = false;
            nft.apply(whole ? NftScript.render(s.full()) : NftScript.render(s.delta()));
            kernelKnown = true;
            long nanos = System.nanoTime() - s.takenAt();
            enforced(s.generation());
            observer.applied(whole, nanos);
            // the read-back (a listing of the whole table: hundreds of ms at 10,000 pods) waits while changes keep
            // coming, so a burst of ADDs is not paced by it; the pass that finds nothing to apply does it
            readBackDue = true;
            if (!locked(() -> wanted > s.generation())) {
                readBack(listed(), s);
            }
            applies.incrementAndGet();
            if (whole) {
                fullApplies.incrementAndGet();
            }
            lock.lock();
            try {
                lastApplied = Instant.now();
                lastApplyNanos = nanos;
                lastApplyFull = whole;
            } finally {
                lock.unlock();
            }
            LOG.log(System.Logger.Level.DEBUG, "policy applied full={0} rules={1} ms={2}", whole, s.rules(),
                    String.format("%.1f", nanos / 1e6));
            done(s.rules(), "");
            return true;
        } catch (Nft.NftException | IllegalArgumentException e) {
            kernelKnown = false;
            appliedContent = null;
            errors.incrementAndGet();
            done(-1, e.getMessage());
            return false;
        }
    }

    private KernelTable listed() throws Nft.NftException {
        return nft.listTable(FAMILY, PolicyCompiler.TABLE).map(KernelTable::parse)
                .orElseThrow(() -> new Nft.NftException("table " + PolicyCompiler.TABLE + " missing right after it was applied"));
    }

    /** {@code k}, listed after our last apply, is the table as we made it: later listings are compared with it. */
    private void readBack(KernelTable k, Snapshot s) {
        appliedContent = k.content();
        readBackDue = false;
        counters(k, s.counterLabels());
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

    /** The transaction of the pass that took {@code generation} is in the kernel: its waiters may go. */
    private void enforced(long generation) {
        lock.lock();
        try {
            appliedGeneration = Math.max(appliedGeneration, generation);
            enforcedOnce = true;
            appliedChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void done(int ruleCount, String failure) {
        lock.lock();
        try {
            if (!failure.equals(problem) && !failure.isEmpty()) {
                LOG.log(System.Logger.Level.ERROR, "policy not applied: {0}", failure);
            }
            problem = failure;
            if (ruleCount >= 0) {
                rules = ruleCount;
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
