package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.ipam.ReclaimDecision.BlockStep;
import dev.viaduct.ipam.ReclaimDecision.HandleStep;
import dev.viaduct.ipam.ReclaimDecision.Plan;
import dev.viaduct.ipam.ReclaimReport.ReleasedBlock;
import dev.viaduct.ipam.ReclaimReport.ReleasedHandle;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.JsonTrees;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.sys.log.DeferredLogger;
import dev.viaduct.sys.net.IpPrefix;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * Reclaiming the addresses and blocks of gone nodes: reads one snapshot (node records, Kubernetes node
 * records, absence marks, blocks, handles), lets {@link ReclaimDecision} decide, and carries the plan out.
 * Each handle and each block is one transaction that compares every revision the plan read, that the node's
 * record is still absent (or, for an operator's release, unchanged), its absence mark unchanged and, for a
 * pass run under the reclaimer's lock, the lock key unchanged: a node that comes back, an address handed to
 * another handle meanwhile, or a lost lock make the write fail, and what failed is looked at again next pass.
 *
 * <p>A node that Kubernetes lists (its kube record, written by kube-controllers, carries no deletion mark) is
 * never reclaimed for its record's absence: its agent may be down while its pods run and keep their
 * addresses. Only the Node's deletion (or an operator's release) gives its addresses back; leaked addresses
 * of deleted pods are kube-controllers' pod garbage collection.
 *
 * <p>An absence mark ({@link Keys#nodeAbsence}) records when a pass first found a node's record missing;
 * the grace period counts from it. The reclaimer deletes a node's mark whenever the node's record is written
 * (so a node that came back and left again starts a new grace period) and deletes all marks when it takes
 * the lock (it did not watch before), which only ever delays reclamation.
 *
 * <p>Uses no cache and takes no lock of the facade: it reads the store afresh and writes with compares; the
 * facade invalidates its block cache afterwards. Stateless, so any thread may call it.
 */
final class NodeReclamation {
    private static final System.Logger LOG = DeferredLogger.of(Ipam.class);

    record AbsenceJson(String node, String since) {
    }

    private static final JsonCodec<AbsenceJson> ABSENCE = JsonCodec.of(AbsenceJson.class);

    /** The reclaimer's lock as read: every write of a locked pass compares it. */
    record Fence(String key, long revision) {
    }

    private final IpamStore store;
    private final Keys keys;
    private final InstantSource clock;
    private final IpamCounters counters;

    NodeReclamation(IpamStore store, InstantSource clock, IpamCounters counters) {
        this.store = store;
        this.keys = store.keys();
        this.clock = clock;
        this.counters = counters;
    }

    /** {@link Ipam#reclaim}: every node whose record is absent for {@code grace}, or that was deleted. */
    ReclaimReport pass(Duration grace, boolean dryRun, Optional<Fence> fence) {
        try {
            Instant now = clock.instant();
            Set<String> present = new TreeSet<>();
            store.call(s -> s.list(keys.nodes())).kvs().forEach(kv -> present.add(keys.nameIn(keys.nodes(), kv.key())));
            Map<String, Long> deleted = new TreeMap<>();
            Set<String> listed = new TreeSet<>();
            for (KeyValue kv : store.call(s -> s.list(keys.kubeNodes())).kvs()) {
                String n = keys.nameIn(keys.kubeNodes(), kv.key());
                if (deletionMarked(kv)) {
                    deleted.put(n, kv.modRevision());
                } else {
                    listed.add(n);
                }
            }
            Map<String, Versioned<Instant>> marks = new TreeMap<>();
            for (KeyValue kv : store.call(s -> s.list(keys.nodeAbsences())).kvs()) {
                Instant since = absenceSince(kv);
                if (since != null) {
                    marks.put(keys.nameIn(keys.nodeAbsences(), kv.key()), new Versioned<>(since, kv.modRevision()));
                }
            }
            List<Versioned<Block>> blocks = listBlocks();
            List<Versioned<Handle>> handles = store.listHandles();

            Map<String, NodeState> states = new TreeMap<>();
            Map<String, Long> markRevisions = new TreeMap<>();
            for (String n : ReclaimDecision.named(blocks, handles)) {
                Versioned<Instant> mark = marks.remove(n);
                if (present.contains(n)) {
                    states.put(n, new NodeState.Present());
                    if (mark != null && !dryRun) {
                        store.call(s -> s.compareAndDelete(keys.nodeAbsence(n), mark.revision()));
                    }
                } else if (listed.contains(n)) {
                    states.put(n, new NodeState.Listed());
                    if (mark != null && !dryRun) {
                        store.call(s -> s.compareAndDelete(keys.nodeAbsence(n), mark.revision()));
                    }
                } else if (deleted.containsKey(n)) {
                    states.put(n, new NodeState.Deleted(deleted.get(n)));
                    markRevisions.put(n, mark == null ? 0 : mark.revision());
                } else if (mark != null) {
                    states.put(n, new NodeState.Absent(mark.value()));
                    markRevisions.put(n, mark.revision());
                } else {
                    states.put(n, new NodeState.Absent(now));
                    if (!dryRun) {
                        String mk = keys.nodeAbsence(n);
                        TxnResult r = store.call(s -> s.txn(Txn.builder().ifAbsent(mk)
                                .put(mk, ABSENCE.encode(new AbsenceJson(n, now.toString()))).build()));
                        markRevisions.put(n, r.succeeded() ? r.revision() : -1);
                        if (r.succeeded()) {
                            LOG.log(Level.INFO, "node record absent node={0}: reclaiming after grace={1}", n, grace);
                        }
                    }
                }
            }
            if (!dryRun) {
                // marks of nodes with nothing left to reclaim
                marks.forEach((n, m) -> store.call(s -> s.compareAndDelete(keys.nodeAbsence(n), m.revision())));
            }
            Plan plan = ReclaimDecision.decide(blocks, handles, states, now, grace);
            return dryRun ? predicted(plan) : execute(plan, blocks, markRevisions, fence);
        } catch (StoreException e) {
            throw IpamStore.translate("reclaim", e);
        }
    }

    /** {@link Ipam#releaseNode}: everything of {@code node}, now. */
    ReclaimReport node(String node, boolean force, boolean dryRun) {
        try {
            Optional<KeyValue> rec = store.call(s -> s.get(keys.node(node)));
            if (rec.isPresent() && !force) {
                throw new IpamException(Reason.INVALID, "node " + node + " has a node record (its agent holds the record's lease):"
                        + " its pods may be running; stop the agent or remove the node first, or force it");
            }
            List<Versioned<Block>> blocks = listBlocks();
            List<Versioned<Handle>> handles = store.listHandles();
            Map<String, NodeState> states = Map.of(node, new NodeState.Released(rec.map(KeyValue::modRevision).orElse(0L)));
            Plan plan = ReclaimDecision.decide(blocks, handles, states, clock.instant(), Duration.ZERO);
            return dryRun ? predicted(plan) : execute(plan, blocks, Map.of(), Optional.empty());
        } catch (StoreException e) {
            throw IpamStore.translate("release node " + node, e);
        }
    }

    /** Deletes every absence mark (the grace period of every absent node starts again). */
    void forgetAbsences() {
        try {
            store.call(s -> s.deletePrefix(keys.nodeAbsences()));
        } catch (StoreException e) {
            throw IpamStore.translate("forget node absences", e);
        }
    }

    /** Deletes {@code node}'s absence mark: its record was just written, so it is back. */
    void nodeSeen(String node) {
        try {
            store.call(s -> s.delete(keys.nodeAbsence(node)));
        } catch (StoreException e) {
            throw IpamStore.translate("forget absence of " + node, e);
        }
    }

    private ReclaimReport predicted(Plan plan) {
        return new ReclaimReport(true, plan.verdicts(),
                plan.handles().stream().map(h -> new ReleasedHandle(h.handle(), h.node(), h.addresses())).toList(),
                plan.blocks().stream().map(b -> new ReleasedBlock(b.cidr(), b.node(), b.deleted(), b.borrowedKept())).toList(),
                List.of());
    }

    private ReclaimReport execute(Plan plan, List<Versioned<Block>> read, Map<String, Long> markRevisions, Optional<Fence> fence) {
        Map<IpPrefix, Versioned<Block>> current = new TreeMap<>();
        read.forEach(vb -> current.put(vb.value().cidr(), vb));
        List<ReleasedHandle> handlesOut = new ArrayList<>();
        List<ReleasedBlock> blocksOut = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Set<String> unfinished = new TreeSet<>();
        for (HandleStep step : plan.handles()) {
            Txn.Builder t = guard(step.node(), plan.gone().get(step.node()), markRevisions, fence);
            Map<IpPrefix, Block> after = new TreeMap<>();
            if (step.blocks().stream().anyMatch(c -> !current.containsKey(c))) {
                skipped.add("handle " + step.handle() + " of node " + step.node() + ": a block of it changed in this pass");
                unfinished.add(step.node());
                continue;
            }
            for (IpPrefix c : step.blocks()) {
                Versioned<Block> vb = current.get(c);
                String bk = keys.block(c.toString());
                Block b = vb.value().withoutHandle(step.handle());
                t.ifModRevision(bk, vb.revision());
                if (b.isEmpty() && b.affinity() == null) {
                    t.delete(bk);
                } else {
                    t.put(bk, WireFormat.encode(b));
                }
                after.put(c, b);
            }
            String hk = keys.handle(step.handle());
            t.ifModRevision(hk, step.record() == null ? 0 : step.record().revision());
            if (step.record() != null) {
                t.delete(hk);
            }
            t.delete(keys.gcSighting(step.handle()));
            TxnResult res = store.call(s -> s.txn(t.build()));
            if (res.succeeded()) {
                after.forEach((c, b) -> {
                    if (b.isEmpty() && b.affinity() == null) {
                        current.remove(c);
                    } else {
                        current.put(c, new Versioned<>(b, res.revision()));
                    }
                });
                counters.releases.increment();
                handlesOut.add(new ReleasedHandle(step.handle(), step.node(), step.addresses()));
            } else {
                counters.conflicts.increment();
                skipped.add("handle " + step.handle() + " of node " + step.node() + ": changed since read");
                unfinished.add(step.node());
            }
        }
        for (BlockStep step : plan.blocks()) {
            Versioned<Block> vb = current.get(step.cidr());
            if (vb == null || !step.node().equals(vb.value().affinity())) {
                continue;
            }
            Block after = ReclaimDecision.giveBack(vb.value(), step.node());
            if (after == vb.value()) {
                skipped.add("block " + step.cidr() + " of node " + step.node() + ": the node still has addresses in it");
                unfinished.add(step.node());
                continue;
            }
            String bk = keys.block(step.cidr().toString());
            Txn.Builder t = guard(step.node(), plan.gone().get(step.node()), markRevisions, fence).ifModRevision(bk, vb.revision());
            if (after == null) {
                t.delete(bk);
            } else {
                t.put(bk, WireFormat.encode(after));
            }
            if (store.call(s -> s.txn(t.build())).succeeded()) {
                blocksOut.add(new ReleasedBlock(step.cidr(), step.node(), after == null, after == null ? 0 : after.allocations().size()));
            } else {
                counters.conflicts.increment();
                skipped.add("block " + step.cidr() + " of node " + step.node() + ": changed since read");
                unfinished.add(step.node());
            }
        }
        // a gone node with nothing left needs no mark any more
        for (String n : plan.gone().keySet()) {
            Long mark = markRevisions.get(n);
            if (mark != null && mark > 0 && !unfinished.contains(n)) {
                store.call(s -> s.compareAndDelete(keys.nodeAbsence(n), mark));
            }
        }
        ReclaimReport r = new ReclaimReport(false, plan.verdicts(), handlesOut, blocksOut, skipped);
        if (!handlesOut.isEmpty() || !blocksOut.isEmpty()) {
            LOG.log(Level.INFO, "reclaimed nodes={0} handles={1,number,#} addresses={2,number,#} blocks={3,number,#} skipped={4,number,#}",
                    plan.gone().keySet(), handlesOut.size(), r.addresses(), blocksOut.size(), skipped.size());
        }
        return r;
    }

    /** The compares that keep a step from robbing a node that came back (see the class comment). */
    private Txn.Builder guard(String node, NodeState state, Map<String, Long> markRevisions, Optional<Fence> fence) {
        Txn.Builder t = Txn.builder();
        String nk = keys.node(node);
        switch (state) {
            case NodeState.Released r -> t.ifModRevision(nk, r.nodeRevision());
            case NodeState.Deleted d -> t.ifAbsent(nk).ifModRevision(keys.kubeNode(node), d.kubeRevision());
            case NodeState.Absent a -> t.ifAbsent(nk);
            case NodeState.Present p -> throw new IllegalStateException("node " + node + " is present");
            case NodeState.Listed l -> throw new IllegalStateException("node " + node + " is a Kubernetes Node");
        }
        Long mark = markRevisions.get(node);
        if (mark != null) {
            t.ifModRevision(keys.nodeAbsence(node), mark);
        }
        fence.ifPresent(f -> t.ifModRevision(f.key(), f.revision()));
        return t;
    }

    private List<Versioned<Block>> listBlocks() {
        List<Versioned<Block>> out = new ArrayList<>();
        for (KeyValue kv : store.call(s -> s.list(keys.blocks())).kvs()) {
            Block b = IpamStore.decodeOrSkip(kv, WireFormat::decodeBlock);
            if (b != null) {
                out.add(new Versioned<>(b, kv.modRevision()));
            }
        }
        return out;
    }

    /** A kube node record carries the deletion mark: {@code "deleted": true} (or a {@code deletionTimestamp}). */
    static boolean deletionMarked(KeyValue kv) {
        try {
            JsonNode root = JsonTrees.read(kv.value());
            if (root == null || !root.isObject()) {
                return false;
            }
            JsonNode d = root.get("deleted");
            JsonNode ts = root.get("deletionTimestamp");
            return (d != null && d.asBoolean(false)) || (ts != null && !ts.isNull() && !ts.asString("").isEmpty());
        } catch (RuntimeException e) {
            return false; // not JSON: no deletion mark
        }
    }

    private static Instant absenceSince(KeyValue kv) {
        AbsenceJson j = IpamStore.decodeOrSkip(kv, ABSENCE::decode);
        try {
            return j == null || j.since() == null ? null : Instant.parse(j.since());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
