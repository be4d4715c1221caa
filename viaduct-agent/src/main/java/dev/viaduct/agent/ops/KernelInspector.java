package dev.viaduct.agent.ops;

import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.Rtnl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The kernel's truth for {@code /status}: the node's main routing table (IPv4 and IPv6, every protocol, so
 * {@code viaduct ctl} can see which route the kernel would really use, foreign ones included) and its links
 * (so it can tell a tunnel device, a missing veth or a device that is down). Read fresh on every request
 * through its own netlink socket, so a status request never waits behind, or for, the route reconciler.
 *
 * <p>Concurrency: the dump runs on one dedicated platform thread (STYLE.md §10: blocking FFM downcalls never
 * run on virtual threads, and the HTTP server's handlers are virtual threads); callers wait with a timeout.
 */
public final class KernelInspector implements AutoCloseable {
    /** The main table and the links, as dumped together. */
    public record Snapshot(List<Route> routes, List<Link> links) {
        public Snapshot {
            routes = List.copyOf(routes);
            links = List.copyOf(links);
        }
    }

    private final Rtnl rtnl;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("status-kernel-dump").daemon().factory());

    public KernelInspector(NetNamespace ns) {
        this.rtnl = ns.openRtnl();
    }

    /**
     * Dumps links and the main table.
     *
     * @throws KernelInspectionException when the kernel refused the dump or it took longer than {@code timeout}
     */
    public Snapshot snapshot(Duration timeout) throws KernelInspectionException {
        Future<Snapshot> f = thread.submit(() -> {
            List<Link> links = rtnl.links();
            List<Route> routes = new ArrayList<>(rtnl.routes(AddressFamily.INET, Route.MAIN, null));
            routes.addAll(rtnl.routes(AddressFamily.INET6, Route.MAIN, null));
            return new Snapshot(routes, links);
        });
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new KernelInspectionException("kernel dump failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new KernelInspectionException("kernel dump took longer than " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelInspectionException("interrupted while dumping the kernel's routes", e);
        }
    }

    /** The kernel could not be read. */
    public static final class KernelInspectionException extends Exception {
        public KernelInspectionException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rtnl.close();
    }
}
