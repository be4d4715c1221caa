package dev.viaduct.ipam;

import dev.viaduct.ipam.ReclaimReport.Verdict;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which nodes are gone and what of theirs to release, from one snapshot of blocks, handles and node states:
 * a pure function, so the rule is tested without a store. A node is gone when it was deleted (Kubernetes),
 * an operator released it, or its node record has been absent for the grace period; a node with a record, or
 * one Kubernetes still lists as a Node, is never gone. A gone node's handles go (without Kubernetes, a pod's existence is only known to its node's
 * agent, so a gone node's pods are gone); a handle without a record belongs to the node that allocated all
 * of its addresses. Blocks affine to a gone node lose their affinity and, once empty, are deleted, which
 * returns them to the pool; addresses other nodes borrowed from them stay. The plan carries the revisions
 * it read so that its execution compares them.
 */
final class ReclaimDecision {
    private ReclaimDecision() {
    }

    /** Release {@code handle} (its record, null when it has none, and its allocations in {@code blocks}). */
    record HandleStep(String handle, String node, Versioned<Handle> record, List<IpPrefix> blocks, List<InetAddress> addresses) {
        HandleStep {
            blocks = List.copyOf(blocks);
            addresses = List.copyOf(addresses);
        }
    }

    /** Give back {@code cidr}, affine to gone {@code node}; the outcome predicted if every handle step succeeds. */
    record BlockStep(IpPrefix cidr, String node, boolean deleted, int borrowedKept) {
    }

    record Plan(List<Verdict> verdicts, Map<String, NodeState> gone, List<HandleStep> handles, List<BlockStep> blocks) {
        Plan {
            verdicts = List.copyOf(verdicts);
            gone = Map.copyOf(gone);
            handles = List.copyOf(handles);
            blocks = List.copyOf(blocks);
        }
    }

    /**
     * The plan for this snapshot. {@code nodes} gives the state of nodes named in the records; a node it
     * does not mention counts as {@link NodeState.Present} (unknown never means gone).
     */
    static Plan decide(Collection<Versioned<Block>> blocks, Collection<Versioned<Handle>> handles, Map<String, NodeState> nodes,
            Instant now, Duration grace) {
        Set<String> named = named(blocks, handles);
        List<Verdict> verdicts = new ArrayList<>();
        Map<String, NodeState> gone = new TreeMap<>();
        for (String n : named) {
            NodeState s = nodes.getOrDefault(n, new NodeState.Present());
            switch (s) {
                case NodeState.Present p -> {
                }
                case NodeState.Listed l -> verdicts.add(new Verdict(n, false,
                        "node record absent, but a Kubernetes Node: kept until the Node is deleted", null));
                case NodeState.Deleted d -> {
                    gone.put(n, s);
                    verdicts.add(new Verdict(n, true, "deleted as a Kubernetes Node and its node record is absent", null));
                }
                case NodeState.Released r -> {
                    gone.put(n, s);
                    verdicts.add(new Verdict(n, true, "released by an operator", null));
                }
                case NodeState.Absent a -> {
                    Instant at = a.since().plus(grace);
                    String why = "node record absent since " + a.since().truncatedTo(ChronoUnit.SECONDS) + " (grace "
                            + grace.toString().substring(2).toLowerCase() + ")";
                    if (!now.isBefore(at)) {
                        gone.put(n, s);
                        verdicts.add(new Verdict(n, true, why, null));
                    } else {
                        verdicts.add(new Verdict(n, false, why, at));
                    }
                }
            }
        }

        Map<String, Versioned<Handle>> records = new TreeMap<>();
        handles.forEach(h -> records.put(h.value().id(), h));
        Map<String, List<Versioned<Block>>> blocksOf = new TreeMap<>();
        Map<String, Set<String>> allocatedBy = new TreeMap<>();
        for (Versioned<Block> vb : blocks) {
            for (Block.Allocation a : vb.value().allocations()) {
                List<Versioned<Block>> l = blocksOf.computeIfAbsent(a.handle(), k -> new ArrayList<>());
                if (!l.contains(vb)) {
                    l.add(vb);
                }
                allocatedBy.computeIfAbsent(a.handle(), k -> new TreeSet<>()).add(a.node());
            }
        }
        Set<String> ids = new TreeSet<>(records.keySet());
        ids.addAll(blocksOf.keySet());
        List<HandleStep> steps = new ArrayList<>();
        Set<String> released = new TreeSet<>();
        for (String id : ids) {
            Versioned<Handle> h = records.get(id);
            Set<String> by = allocatedBy.getOrDefault(id, Set.of());
            String owner = h != null ? h.value().node() : by.size() == 1 ? by.iterator().next() : null;
            if (owner == null || !gone.containsKey(owner)) {
                continue;
            }
            List<Versioned<Block>> bs = blocksOf.getOrDefault(id, List.of());
            Set<InetAddress> addrs = new LinkedHashSet<>(h == null ? List.of() : h.value().addresses());
            bs.forEach(vb -> vb.value().allocations().stream().filter(a -> a.handle().equals(id)).forEach(a -> addrs.add(a.address())));
            steps.add(new HandleStep(id, owner, h, bs.stream().map(vb -> vb.value().cidr()).toList(), List.copyOf(addrs)));
            released.add(id);
        }

        List<BlockStep> blockSteps = new ArrayList<>();
        for (Versioned<Block> vb : blocks) {
            Block b = vb.value();
            if (b.affinity() != null && gone.containsKey(b.affinity())) {
                int left = (int) b.allocations().stream().filter(a -> !released.contains(a.handle())).count();
                blockSteps.add(new BlockStep(b.cidr(), b.affinity(), left == 0, left));
            }
        }
        return new Plan(verdicts, gone, steps, blockSteps);
    }

    /** Every node the records name: as a block's affinity, an allocation's node or a handle's node. */
    static Set<String> named(Collection<Versioned<Block>> blocks, Collection<Versioned<Handle>> handles) {
        Set<String> named = new TreeSet<>();
        blocks.forEach(vb -> {
            vb.value().affineNode().ifPresent(named::add);
            vb.value().allocations().forEach(a -> named.add(a.node()));
        });
        handles.forEach(h -> named.add(h.value().node()));
        return named;
    }

    /**
     * What a block affine to gone {@code node} becomes once that node's allocations are out of it: null
     * (delete it: nothing is left, so the range returns to the pool), the block without affinity (it keeps
     * addresses other nodes borrowed, routed by allocation), or the block itself when the node still has
     * allocations in it (a handle step failed: leave it for the next pass).
     */
    static Block giveBack(Block b, String node) {
        if (b.allocations().stream().anyMatch(a -> a.node().equals(node))) {
            return b;
        }
        return b.isEmpty() ? null : b.withAffinity(null);
    }
}
