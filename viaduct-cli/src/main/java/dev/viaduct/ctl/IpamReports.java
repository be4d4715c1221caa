package dev.viaduct.ctl;

import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.CheckReport;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Pool;
import dev.viaduct.ipam.ReclaimReport;
import dev.viaduct.store.JsonTrees;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code viaduct ctl ipam} reports: pools and blocks, one node's share, one address, the consistency
 * check, and a release (or a dry run of one). Built from IPAM's own records, so what is shown is exactly
 * what agents allocate from.
 */
final class IpamReports {
    private IpamReports() {
    }

    /** A report from a table printer, a JSON document and an exit code. */
    private record Simple(Consumer<PrintWriter> table, JsonNode json, int exitCode) implements Report {
        @Override
        public void printTable(PrintWriter out) {
            table.accept(out);
        }
    }

    private static String pod(Map<String, Handle> handles, String handle) {
        Handle h = handles.get(handle);
        if (h == null || h.attributes().get("pod") == null) {
            return "-";
        }
        String ns = h.attributes().get("podNamespace");
        return (ns == null ? "" : ns + "/") + h.attributes().get("pod");
    }

    private static String addresses(Handle h) {
        return h == null ? "(released)" : h.addresses().stream().map(InetAddress::getHostAddress).collect(Collectors.joining(","));
    }

    private static String mode(Pool p) {
        return p.vxlanMode().name().equals("NEVER") && p.ipipMode().name().equals("NEVER") ? "none"
                : !p.vxlanMode().name().equals("NEVER") ? "vxlan " + p.vxlanMode().name().toLowerCase()
                : "ipip " + p.ipipMode().name().toLowerCase();
    }

    /** Pools with their blocks. */
    static Report pools(List<Pool> pools, List<Block> blocks) {
        ObjectNode o = JsonTrees.object();
        var pa = o.putArray("pools");
        for (Pool p : pools) {
            ObjectNode po = pa.addObject();
            po.put("cidr", p.cidr().toString());
            po.put("blockSize", p.blockSize());
            po.put("disabled", p.disabled());
            po.put("nodeSelector", p.nodeSelector());
            po.put("vxlanMode", p.vxlanMode().name());
            po.put("ipipMode", p.ipipMode().name());
            po.put("natOutgoing", p.natOutgoing());
            var r = po.putArray("reserved");
            p.reserved().forEach(x -> r.add(x.toString()));
        }
        var ba = o.putArray("blocks");
        for (Block b : blocks) {
            ObjectNode bo = ba.addObject();
            bo.put("cidr", b.cidr().toString());
            if (b.affinity() == null) {
                bo.putNull("node");
            } else {
                bo.put("node", b.affinity());
            }
            bo.put("size", b.size());
            bo.put("used", b.allocations().size());
            bo.put("borrowed", b.borrowed().size());
        }
        return new Simple(out -> {
            if (pools.isEmpty()) {
                out.println("no pools (the first agent creates them from its cluster.podCidrs)");
                return;
            }
            CtlText.Table t = new CtlText.Table("POOL", "BLOCK SIZE", "ENCAP", "NAT", "DISABLED", "SELECTOR", "RESERVED");
            for (Pool p : pools) {
                t.row(p.cidr(), "/" + p.blockSize(), mode(p), p.natOutgoing() ? "yes" : "no", p.disabled() ? "yes" : "no",
                        p.nodeSelector(), p.reserved().isEmpty() ? "-" : p.reserved().stream().map(Object::toString)
                                .collect(Collectors.joining(",")));
            }
            t.print(out, "");
            out.println();
            if (blocks.isEmpty()) {
                out.println("no blocks yet (a node claims one with its first pod)");
                return;
            }
            CtlText.Table bt = new CtlText.Table("BLOCK", "NODE", "USED", "BORROWED");
            for (Block b : blocks) {
                bt.row(b.cidr(), b.affinity() == null ? "(none)" : b.affinity(), b.allocations().size() + "/" + b.size(),
                        b.borrowed().size());
            }
            bt.print(out, "");
        }, o, CtlException.OK);
    }

    /** One node: its blocks and every address it allocated. */
    static Report node(String node, List<Block> blocks, List<Handle> handles, boolean hasRecord) {
        Map<String, Handle> byId = handles.stream().collect(Collectors.toMap(Handle::id, h -> h, (a, b) -> a));
        List<Block> mine = blocks.stream().filter(b -> node.equals(b.affinity())).toList();
        record Addr(Block.Allocation a, Block b) {
        }
        List<Addr> addrs = blocks.stream().flatMap(b -> b.allocations().stream().filter(a -> a.node().equals(node))
                .map(a -> new Addr(a, b))).toList();
        ObjectNode o = JsonTrees.object();
        o.put("node", node);
        o.put("registered", hasRecord);
        var ba = o.putArray("blocks");
        mine.forEach(b -> ba.addObject().put("cidr", b.cidr().toString()).put("size", b.size()).put("used", b.allocations().size()));
        var aa = o.putArray("addresses");
        for (Addr x : addrs) {
            aa.addObject().put("address", x.a().address().getHostAddress()).put("handle", x.a().handle())
                    .put("pod", pod(byId, x.a().handle())).put("block", x.b().cidr().toString())
                    .put("borrowed", !node.equals(x.b().affinity()));
        }
        return new Simple(out -> {
            if (!hasRecord) {
                out.println("node " + node + " has no node record (not running, or not a node of this cluster)");
            }
            if (mine.isEmpty() && addrs.isEmpty()) {
                out.println("node " + node + " holds no blocks and no addresses");
                return;
            }
            CtlText.Table bt = new CtlText.Table("BLOCK", "USED");
            mine.forEach(b -> bt.row(b.cidr(), b.allocations().size() + "/" + b.size()));
            if (!bt.isEmpty()) {
                bt.print(out, "");
                out.println();
            }
            CtlText.Table at = new CtlText.Table("ADDRESS", "POD", "BLOCK", "HANDLE");
            for (Addr x : addrs) {
                at.row(x.a().address().getHostAddress(), pod(byId, x.a().handle()),
                        x.b().cidr() + (node.equals(x.b().affinity()) ? "" : " (borrowed)"), x.a().handle());
            }
            at.print(out, "");
        }, o, CtlException.OK);
    }

    /** One address: pool, block, whether allocated and to whom. */
    static Report address(InetAddress ip, List<Pool> pools, List<Block> blocks, List<Handle> handles) {
        Map<String, Handle> byId = handles.stream().collect(Collectors.toMap(Handle::id, h -> h, (a, b) -> a));
        String text = ip.getHostAddress();
        ObjectNode o = JsonTrees.object();
        o.put("address", text);
        Optional<Pool> pool = pools.stream().filter(p -> p.cidr().contains(ip)).findFirst();
        if (pool.isEmpty()) {
            o.put("state", "not-in-pool");
            return new Simple(out -> out.println(text + " is not in any pool"), o, CtlException.OK);
        }
        o.put("pool", pool.get().cidr().toString());
        Optional<Block> block = blocks.stream().filter(b -> b.cidr().contains(ip)).findFirst();
        block.ifPresent(b -> {
            o.put("block", b.cidr().toString());
            if (b.affinity() != null) {
                o.put("blockNode", b.affinity());
            }
        });
        Optional<Block.Allocation> a = block.flatMap(b -> b.allocation(ip));
        String state = a.isPresent() ? "allocated" : pool.get().isReserved(ip) ? "reserved" : "free";
        o.put("state", state);
        a.ifPresent(x -> {
            o.put("node", x.node());
            o.put("handle", x.handle());
            o.put("pod", pod(byId, x.handle()));
            Handle h = byId.get(x.handle());
            if (h != null) {
                o.put("assigned", h.assigned().toString());
                var attrs = o.putObject("attributes");
                h.attributes().forEach(attrs::put);
            } else {
                o.put("handleRecord", "missing");
            }
        });
        return new Simple(out -> {
            CtlText.Table t = new CtlText.Table("FIELD", "VALUE");
            t.row("address", text).row("state", state).row("pool", pool.get().cidr());
            t.row("block", block.map(b -> b.cidr() + b.affineNode().map(n -> " (node " + n + ")").orElse(" (no affinity)"))
                    .orElse("(none: no block claimed here)"));
            a.ifPresent(x -> {
                t.row("node", x.node()).row("pod", pod(byId, x.handle())).row("handle", x.handle());
                Handle h = byId.get(x.handle());
                t.row("assigned", h == null ? "(handle record missing: see 'viaduct ctl ipam check')" : h.assigned());
            });
            t.print(out, "");
        }, o, CtlException.OK);
    }

    /**
     * The consistency check and the reclaimer's view; exit 1 when it found a leak, an inconsistency or blocks
     * of vanished nodes.
     */
    /**
     * Releases the agents owe the store (pods deleted while it was unreachable), by node, and the nodes whose
     * agent did not answer (what they owe is unknown).
     */
    record Owed(Map<String, List<AgentStatus.PendingRelease>> byNode, List<String> unknown) {
    }

    static Report check(CheckReport r, ReclaimReport reclaim, List<Handle> handles, List<Block> blocks, Owed owed) {
        ObjectNode o = JsonTrees.object();
        Map<String, Handle> byId = handles.stream().collect(Collectors.toMap(Handle::id, h -> h, (x, y) -> x));
        var pr = o.putArray("pendingReleases");
        owed.byNode().forEach((node, list) -> list.forEach(p -> pr.addObject().put("node", node).put("handle", p.handle())
                .put("recorded", p.recorded()).put("addresses", addresses(byId.get(p.handle())))));
        var nu = o.putArray("pendingReleasesUnknown");
        owed.unknown().forEach(nu::add);
        var rc = o.putArray("reclaim");
        for (ReclaimReport.Verdict v : reclaim.nodes()) {
            ObjectNode n = rc.addObject().put("node", v.node()).put("gone", v.gone()).put("why", v.why());
            n.put("reclaimableAt", v.reclaimableAt() == null ? null : v.reclaimableAt().toString());
            n.put("handles", handles.stream().filter(h -> h.node().equals(v.node())).count());
            n.put("addresses", handles.stream().filter(h -> h.node().equals(v.node())).mapToInt(h -> h.addresses().size()).sum());
            n.put("blocks", blocks.stream().filter(x -> v.node().equals(x.affinity())).count());
        }
        o.put("consistent", r.consistent() && r.blocksOfMissingNodes().isEmpty());
        o.put("blocks", r.blocks());
        o.put("handles", r.handles());
        o.put("allocations", r.allocations());
        var a = o.putArray("addressesWithoutHandles");
        r.addressesWithoutHandles().forEach(x -> a.addObject().put("address", x.address().getHostAddress())
                .put("handle", x.handle()).put("block", x.block().toString()));
        var m = o.putArray("handlesWithoutAddresses");
        r.handlesWithoutAddresses().forEach(x -> m.addObject().put("handle", x.handle()).put("address", x.address().getHostAddress()));
        var s = o.putArray("addressesInSeveralHandles");
        r.addressesInSeveralHandles().forEach(x -> s.add(x.getHostAddress()));
        var b = o.putArray("blocksOfMissingNodes");
        r.blocksOfMissingNodes().forEach(x -> b.add(x.toString()));
        var e = o.putArray("mostlyEmptyBlocks");
        r.mostlyEmptyBlocks().forEach(x -> e.addObject().put("block", x.block().toString()).put("node", x.node())
                .put("used", x.used()).put("size", x.size()));
        var rv = o.putArray("reservedButAllocated");
        r.reservedButAllocated().forEach(x -> rv.add(x.getHostAddress()));
        boolean ok = r.consistent() && r.blocksOfMissingNodes().isEmpty();
        return new Simple(out -> {
            out.printf("checked %s, %s, %s%n", CtlText.count(r.blocks(), "block"), CtlText.count(r.handles(), "handle"),
                    CtlText.count(r.allocations(), "allocation"));
            CtlText.Table t = new CtlText.Table("FINDING", "ADDRESS/BLOCK", "DETAIL", "FIX");
            r.addressesWithoutHandles().forEach(x -> t.row("address without handle", x.address().getHostAddress(),
                    "allocated in " + x.block() + " to handle " + x.handle() + ", which has no record",
                    "viaduct ctl ipam release --ip " + x.address().getHostAddress()));
            r.handlesWithoutAddresses().forEach(x -> t.row("handle without address", x.address().getHostAddress(),
                    "handle " + x.handle() + " lists it but no block allocates it to that handle", "delete the pod (CNI DEL)"));
            r.addressesInSeveralHandles().forEach(x -> t.row("address in several handles", x.getHostAddress(),
                    "more than one handle lists it", "delete the pods sharing it"));
            r.reservedButAllocated().forEach(x -> t.row("reserved but allocated", x.getHostAddress(),
                    "in a reserved range of its pool", "move the pod"));
            r.blocksOfMissingNodes().forEach(x -> t.row("block of a missing node", x, "its node has no node record",
                    "remove the node for good, or start its agent"));
            for (ReclaimReport.Verdict v : reclaim.nodes()) {
                long hs = handles.stream().filter(h -> h.node().equals(v.node())).count();
                long bs = blocks.stream().filter(x -> v.node().equals(x.affinity())).count();
                t.row(v.gone() ? "node to reclaim now" : "node to reclaim later", v.node(), v.why() + "; " + CtlText.count(hs, "handle")
                        + ", " + CtlText.count(bs, "block"), v.gone() ? "the reclaimer's next pass, or viaduct ctl ipam release --node " + v.node()
                        : "automatic at " + v.reclaimableAt() + " unless its node record comes back");
            }
            owed.byNode().forEach((node, list) -> list.forEach(p -> t.row("release pending", addresses(byId.get(p.handle())),
                    "node " + node + " deleted pod " + pod(byId, p.handle()) + " (handle " + p.handle() + ") at " + p.recorded()
                    + " while etcd was unreachable; its agent releases it once it reaches etcd",
                    "wait, or check that node's connection to etcd")));
            if (!owed.unknown().isEmpty()) {
                out.printf("pending releases unknown for %s (agent did not answer): %s%n", CtlText.count(owed.unknown().size(), "node"),
                        String.join(", ", owed.unknown()));
            }
            r.mostlyEmptyBlocks().stream().sorted((x, y) -> x.block().toString().compareTo(y.block().toString())).forEach(x -> t.row(
                    "mostly empty block (advice)", x.block(), x.used() + "/" + x.size() + " used by " + x.node(), "-"));
            if (t.isEmpty()) {
                out.println("IPAM is consistent");
            } else {
                t.print(out, "");
                out.println(ok ? "IPAM is consistent (advice only)" : "IPAM has problems");
            }
        }, o, ok ? CtlException.OK : CtlException.PROBLEM);
    }

    /** A node's release, done or dry-run. */
    static Report releaseNode(String node, ReclaimReport r) {
        ObjectNode o = JsonTrees.object();
        o.put("node", node);
        o.put("dryRun", r.dryRun());
        var hs = o.putArray("handles");
        r.handles().forEach(h -> {
            ObjectNode x = hs.addObject().put("handle", h.handle());
            var a = x.putArray("addresses");
            h.addresses().forEach(ip -> a.add(ip.getHostAddress()));
        });
        var bs = o.putArray("blocks");
        r.blocks().forEach(b -> bs.addObject().put("block", b.cidr().toString()).put("deleted", b.deleted())
                .put("borrowedKept", b.borrowedKept()));
        var sk = o.putArray("skipped");
        r.skipped().forEach(sk::add);
        return new Simple(out -> {
            String verb = r.dryRun() ? "would release" : "released";
            CtlText.Table t = new CtlText.Table("WHAT", "NAME", "DETAIL");
            r.handles().forEach(h -> t.row("handle", h.handle(), h.addresses().stream().map(InetAddress::getHostAddress)
                    .collect(Collectors.joining(", "))));
            r.blocks().forEach(b -> t.row("block", b.cidr(), b.deleted() ? "back to the pool"
                    : "affinity cleared; keeps " + CtlText.count(b.borrowedKept(), "borrowed address")));
            r.skipped().forEach(x -> t.row("skipped", "-", x + " (run again)"));
            if (!t.isEmpty()) {
                t.print(out, "");
            }
            out.printf("%s%s %s and %s of node %s%n", r.dryRun() ? "dry run: " : "", verb, CtlText.count(r.addresses(), "address"),
                    CtlText.count(r.blocks().size(), "block"), node);
        }, o, r.skipped().isEmpty() ? CtlException.OK : CtlException.PROBLEM);
    }

    /** A release, done or dry-run (or nothing to release). */
    static Report release(InetAddress ip, Optional<Block.Allocation> alloc, boolean dryRun, boolean released, String outcome) {
        ObjectNode o = JsonTrees.object();
        o.put("address", ip.getHostAddress());
        o.put("dryRun", dryRun);
        o.put("released", !dryRun && released);
        alloc.ifPresent(a -> o.put("handle", a.handle()).put("node", a.node()));
        o.put("outcome", outcome);
        return new Simple(out -> out.println(ip.getHostAddress() + ": " + (dryRun ? "dry run: " : "") + outcome
                + alloc.map(a -> " [handle " + a.handle() + ", node " + a.node() + "]").orElse("")), o, CtlException.OK);
    }

    /** A release refused because the address is in use. */
    static Report refused(InetAddress ip, Block.Allocation alloc, String why) {
        ObjectNode o = JsonTrees.object();
        o.put("address", ip.getHostAddress());
        o.put("released", false);
        o.put("handle", alloc.handle());
        o.put("node", alloc.node());
        o.put("outcome", "refused: " + why);
        return new Simple(out -> out.println(ip.getHostAddress() + ": refused: " + why), o, CtlException.PROBLEM);
    }
}
