package dev.viaduct.lab;

import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkException;
import dev.viaduct.netlink.Nexthop;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.Rtnl;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * Removing labs: one lab from its state file ({@link #down}), labs whose owning process is gone
 * ({@link #sweepAbandoned}), and what a lab of the same name left behind without a state file
 * ({@link #sweepLeftovers}). The decisions — in which order, which namespaces, which labs — are pure functions
 * of the state and what exists; the rest carries them out, trying everything and reporting what it could not
 * remove.
 */
final class LabTeardown {
    private LabTeardown() {
    }

    /**
     * Removes everything the lab created: processes first (agents, then etcd), then namespaces (which takes
     * their links with them), the root namespace's routes and leg, and the state directory.
     */
    static List<String> down(LabState state, PrintStream out) {
        List<String> problems = new ArrayList<>();
        for (var p : stopOrder(state.processes)) {
            LabProcesses.stop(p, 5000);
            if (LabProcesses.alive(p)) {
                problems.add("process " + p.role() + " " + p.pid() + " survived SIGKILL");
            }
        }
        if (state.spec.imageMode() || !state.containers.isEmpty()) {
            // before the namespaces: a container holds its node's namespace and its bind mounts
            problems.addAll(LabContainers.removeAll(state.spec.name(), state.containers));
        }
        for (String ns : removalOrder(state.namespaces, namespacesPresent(), state.spec.prefix())) {
            try {
                LabProcesses.killAllIn(ns);
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
                            Nexthop.via(InetAddress.ofLiteral(state.spec.rackLayout().rack(1).gateway())))));
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
        Path dir = LabState.dir(state.spec.name());
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

    /** The order to stop processes in: etcd last (agents deregister through it), the rest as started. */
    static List<LabState.Proc> stopOrder(List<LabState.Proc> processes) {
        List<LabState.Proc> procs = new ArrayList<>(processes);
        procs.sort(Comparator.comparing(p -> p.role().equals("etcd") ? 1 : 0));
        return procs;
    }

    /**
     * The namespaces to delete: those recorded, plus any present with the lab's prefix that the state file
     * missed (a crash between creating and saving); longest name first, so a pod's namespace (its node's name
     * plus its own) goes before its node's. Names of equal length keep the recorded order.
     */
    static List<String> removalOrder(List<String> recorded, List<String> present, String prefix) {
        List<String> nss = new ArrayList<>(recorded);
        for (String n : present) {
            if (n.startsWith(prefix) && !nss.contains(n)) {
                nss.add(n);
            }
        }
        nss.sort(Comparator.comparing((String n) -> -n.length()));
        return nss;
    }

    private static List<String> namespacesPresent() {
        try (var s = Files.list(NetNamespace.RUN_NETNS)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of(); // no /run/netns: nothing to sweep
        }
    }

    /**
     * Takes down labs whose name starts with {@code namePrefix} and whose owning process is gone (a test JVM
     * that was killed before its cleanup ran). Returns the names removed.
     */
    static List<String> sweepAbandoned(String namePrefix, PrintStream out) {
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
                if (st.isPresent() && abandoned(st.get(), pid -> ProcessHandle.of(pid).isPresent())) {
                    out.println("lab: removing abandoned lab " + name + " (owner pid " + st.get().ownerPid + " is gone)");
                    down(st.get(), out);
                    removed.add(name);
                }
            }
        } catch (IOException e) {
            out.println("lab: cannot sweep " + root + ": " + e.getMessage());
        }
        return removed;
    }

    /** A lab is abandoned when the process that brought it up no longer exists. */
    static boolean abandoned(LabState state, LongPredicate processExists) {
        return !processExists.test(state.ownerPid);
    }

    /** Removes namespaces and the root namespace's leg of a lab with this name whose state file was lost. */
    static void sweepLeftovers(LabSpec spec, PrintStream out) {
        if (spec.imageMode()) {
            LabContainers.removeAll(spec.name(), List.of()).forEach(p -> out.println("lab: leftover containers: " + p));
        }
        try (var s = Files.list(NetNamespace.RUN_NETNS)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(spec.prefix())) {
                    out.println("lab: removing leftover namespace " + n);
                    LabProcesses.killAllIn(n);
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
}
