package dev.viaduct.agent.node;

import dev.viaduct.agent.reconcile.ReconcileLoop;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.netlink.RouteScope;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Follows the node's uplink: whenever an address appears or disappears (or the uplink device changes: MTU,
 * state), the uplink is detected again with the agent's settings, and a changed result is handed to the
 * listener (which republishes the node record and recomputes routes: on-link and CrossSubnet decisions,
 * here and on every peer, follow the node's addresses). A detection that fails — e.g. the address left is a
 * /32, without which nobody can decide what is on-link — keeps the last good uplink and is reported.
 *
 * <p>Concurrency: kernel events only kick a {@link ReconcileLoop} on a platform thread (detection blocks in
 * netlink calls), which re-detects, coalescing bursts of events into one detection. State is guarded by one
 * lock.
 */
public final class UplinkMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.node");

    /** Detects the uplink now (the agent passes {@link Uplink#detect} with its configuration). */
    @FunctionalInterface
    public interface Detector {
        Uplink detect() throws Uplink.UplinkException;
    }

    private final NetNamespace ns;
    private final Detector detector;
    private final Consumer<Uplink> listener;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Kicked by events only (no periodic pass). A failed detection is reported and waits for the next event;
     * only a listener that throws makes the loop try again, a second later.
     */
    private final ReconcileLoop<Boolean> loop = new ReconcileLoop<>(lock,
            new ReconcileLoop.Settings("uplink-monitor", true, Duration.ZERO, Duration.ofSeconds(1)), resync -> true, x -> {
                redetect();
                return true;
            });
    private Uplink current;
    private String problem = "";
    private NetlinkEvents events;

    public UplinkMonitor(NetNamespace ns, Uplink initial, Detector detector, Consumer<Uplink> listener) {
        this.ns = ns;
        this.current = initial;
        this.detector = detector;
        this.listener = listener;
    }

    public void start() {
        events = NetlinkEvents.subscribe(ns, EnumSet.of(NetlinkEvents.Group.LINK, NetlinkEvents.Group.IPV4_ADDRESS,
                NetlinkEvents.Group.IPV6_ADDRESS), this::onEvent);
        loop.start();
    }

    private void onEvent(NetlinkEvent e) {
        int uplinkIndex;
        lock.lock();
        try {
            uplinkIndex = current.ifindex();
        } finally {
            lock.unlock();
        }
        boolean relevant = switch (e) {
            // global addresses only: pods' veths carry none, link-local ones come and go with IPv6
            case NetlinkEvent.AddressAdded a -> a.address().scope().equals(RouteScope.UNIVERSE);
            case NetlinkEvent.AddressRemoved a -> a.address().scope().equals(RouteScope.UNIVERSE);
            case NetlinkEvent.LinkChanged l -> l.link().index() == uplinkIndex;
            case NetlinkEvent.LinkRemoved l -> l.link().index() == uplinkIndex;
            case NetlinkEvent.ResyncNeeded r -> true;
            default -> false;
        };
        if (relevant) {
            loop.kick();
        }
    }

    /** The uplink as last detected successfully. */
    public Uplink current() {
        lock.lock();
        try {
            return current;
        } finally {
            lock.unlock();
        }
    }

    /** Why the last re-detection failed, or "" (the last good uplink stays in use meanwhile). */
    public String problem() {
        lock.lock();
        try {
            return problem;
        } finally {
            lock.unlock();
        }
    }

    private void redetect() {
        Uplink now;
        String failure = "";
        try {
            now = detector.detect();
        } catch (Uplink.UplinkException | RuntimeException e) {
            now = null;
            failure = e.getMessage();
        }
        Uplink before;
        lock.lock();
        try {
            before = current;
            if (!failure.equals(problem) && !failure.isEmpty()) {
                LOG.log(System.Logger.Level.ERROR, "uplink re-detection failed, keeping device={0} addresses={1}: {2}",
                        current.device(), current.addresses(), failure);
            }
            problem = failure;
            if (now != null) {
                current = now;
            }
        } finally {
            lock.unlock();
        }
        if (now != null && !now.equals(before)) {
            LOG.log(System.Logger.Level.INFO, "uplink changed device={0} addresses={1} mtu={2} (was {3} {4} {5})",
                    now.device(), now.addresses(), now.mtu(), before.device(), before.addresses(), before.mtu());
            listener.accept(now);
        }
    }

    /** Since when this controller's loop has owed progress ({@link ReconcileLoop#stalledSince}); for liveness. */
    public java.util.OptionalLong stalledSince() {
        return loop.stalledSince();
    }

    @Override
    public void close() {
        if (events != null) {
            events.close();
        }
        loop.close();
    }
}
