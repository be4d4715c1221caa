package dev.viaduct.agent.nat;

import dev.viaduct.agent.overlay.PoolSettings;
import dev.viaduct.agent.reconcile.ReconcileLoop;
import dev.viaduct.sys.net.IpPrefix;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps Viaduct's nftables NAT tables equal to what the pools ask for: per family, a table exactly as
 * {@link NatRules} renders it when some pool of that family has {@code natOutgoing}, no table otherwise.
 * Each pass reads the tables back ({@code nft -j}); a table that differs in any way (pools changed, a rule
 * edited or deleted by hand) is rewritten in one atomic {@code nft -f} transaction. Agent stop leaves the
 * tables (traffic keeps flowing across restarts); {@link #removeAll} is for decommissioning.
 *
 * <p>Concurrency: {@link #setPools} only changes memory; a {@link ReconcileLoop} on a virtual thread (it blocks
 * on the nft process) applies changes, on every change, periodically (drift repair) and one second after a
 * failure. State is guarded by one lock.
 */
public final class NatOutgoing implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.nat");

    private final Nft nft;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReconcileLoop<List<PoolSettings>> loop;
    // --- guarded by lock ---
    private List<PoolSettings> pools = List.of();
    private boolean poolsKnown;
    private SortedMap<String, String> state = new TreeMap<>();
    private String problem = "";

    /** Tables written (created or rewritten) and deleted; drift repairs are among them. */
    public final AtomicLong writes = new AtomicLong();
    public final AtomicLong passes = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();

    public NatOutgoing(Nft nft, Duration resyncInterval) {
        this.nft = nft;
        this.loop = new ReconcileLoop<>(lock, new ReconcileLoop.Settings("nat-outgoing", false, resyncInterval, Duration.ofSeconds(1)),
                () -> poolsKnown, resync -> pools, p -> {
                    if (pass(p).isEmpty()) {
                        return true;
                    }
                    errors.incrementAndGet();
                    return false;
                });
    }

    public void start() {
        String why = nft.unavailableReason();
        if (!why.isEmpty()) {
            LOG.log(System.Logger.Level.ERROR, "natOutgoing unavailable: {0}", why);
        }
        loop.start();
    }

    public void setPools(List<PoolSettings> p) {
        lock.lock();
        try {
            pools = List.copyOf(p);
            poolsKnown = true;
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /** Per family ({@code ip}, {@code ip6}): what the table holds, or "absent". */
    public SortedMap<String, String> state() {
        lock.lock();
        try {
            return new TreeMap<>(state);
        } finally {
            lock.unlock();
        }
    }

    /** Why the last pass failed (nft missing, nft refused the script), or "". */
    public String problem() {
        lock.lock();
        try {
            return problem;
        } finally {
            lock.unlock();
        }
    }

    /** How many pools have natOutgoing. */
    public int natPools() {
        lock.lock();
        try {
            return (int) pools.stream().filter(PoolSettings::natOutgoing).count();
        } finally {
            lock.unlock();
        }
    }

    /** One pass over both families; returns the failure text, or "". */
    String pass(List<PoolSettings> p) {
        List<IpPrefix> all = p.stream().map(PoolSettings::cidr).toList();
        List<IpPrefix> nat = p.stream().filter(PoolSettings::natOutgoing).map(PoolSettings::cidr).toList();
        SortedMap<String, String> now = new TreeMap<>();
        StringBuilder failure = new StringBuilder();
        for (NatRules.Family f : NatRules.Family.values()) {
            Optional<NatRules.Table> want = NatRules.desired(f, all, nat);
            try {
                reconcile(f, want);
                now.put(f.nftName(), want.map(t -> "masquerade " + t.natPools() + " to outside " + t.pools()).orElse("absent"));
            } catch (Nft.NftException | NatRules.UnreadableTable e) {
                now.put(f.nftName(), "unknown: " + e.getMessage());
                if (want.isPresent() || failure.isEmpty()) {
                    failure.append(failure.isEmpty() ? "" : "; ").append(f.nftName()).append(": ").append(e.getMessage());
                }
            }
        }
        passes.incrementAndGet();
        String fail = failure.toString();
        lock.lock();
        try {
            if (!fail.equals(problem) && !fail.isEmpty()) {
                LOG.log(System.Logger.Level.ERROR, "natOutgoing not applied: {0}", fail);
            }
            problem = fail;
            state = now;
        } finally {
            lock.unlock();
        }
        return fail;
    }

    private void reconcile(NatRules.Family f, Optional<NatRules.Table> want) throws Nft.NftException, NatRules.UnreadableTable {
        if (want.isEmpty() && !nft.unavailableReason().isEmpty()) {
            return; // nothing wanted and no nft: nothing Viaduct made can exist
        }
        Optional<String> json = nft.listTable(f.nftName(), NatRules.TABLE);
        if (want.isEmpty()) {
            if (json.isPresent()) {
                nft.apply(NatRules.deleteScript(f));
                writes.incrementAndGet();
                LOG.log(System.Logger.Level.INFO, "nat table removed table={0} {1} (no pool wants natOutgoing)", f.nftName(), NatRules.TABLE);
            }
            return;
        }
        Optional<NatRules.Table> have = json.isPresent() ? NatRules.parse(json.get()) : Optional.empty();
        if (have.equals(want)) {
            return;
        }
        nft.apply(NatRules.replaceScript(f, want.get()));
        writes.incrementAndGet();
        LOG.log(System.Logger.Level.INFO, "nat table written table={0} {1} natPools={2} pools={3} was={4}", f.nftName(),
                NatRules.TABLE, want.get().natPools(), want.get().pools(),
                json.isEmpty() ? "absent" : have.map(Object::toString).orElse("different (rewritten)"));
    }

    /** Deletes both tables (node decommissioning; never on a plain stop). Call after {@link #close}. */
    public void removeAll() throws Nft.NftException {
        for (NatRules.Family f : NatRules.Family.values()) {
            nft.apply(NatRules.deleteScript(f));
        }
    }

    /** Since when this controller's loop has owed progress ({@link ReconcileLoop#stalledSince}); for liveness. */
    public java.util.OptionalLong stalledSince() {
        return loop.stalledSince();
    }

    @Override
    public void close() {
        loop.close();
    }
}
