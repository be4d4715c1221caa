package dev.viaduct.store.etcd;

import dev.viaduct.store.Listing;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What both etcd watches ({@link EtcdWatch}, {@link GatewayWatch}) do with their listener: deliver events newer than
 * the last delivered revision, in order, each once; re-list after a compaction; and say since when the watch's
 * thread has been busy (its {@link Watch#stalledSince}).
 *
 * <p>Concurrency: called by the watch's own thread only; {@link #lastRevision} and the busy mark are volatile for
 * readers on other threads.
 */
final class WatchDelivery {
    private static final System.Logger LOG = System.getLogger(WatchDelivery.class.getName());

    private final String prefix;
    private final Watch.Listener listener;
    private volatile long lastRevision;
    private volatile boolean busy;
    private volatile long busySince;

    WatchDelivery(String prefix, Watch.Listener listener, long fromRevision) {
        this.prefix = prefix;
        this.listener = listener;
        this.lastRevision = fromRevision - 1;
    }

    long lastRevision() {
        return lastRevision;
    }

    /** The watch's thread starts handling a response or an error of the store. */
    void begin() {
        busySince = System.nanoTime();
        busy = true;
    }

    /** ... and is done with it. */
    void end() {
        busy = false;
    }

    OptionalLong stalledSince() {
        return busy ? OptionalLong.of(busySince) : OptionalLong.empty();
    }

    /**
     * Delivers the events of one response that are newer than the last delivered revision (a response replayed after
     * a resume repeats some), then remembers the newest.
     */
    void deliverNew(List<WatchEvent> events, BooleanSupplier closed) {
        long last = 0;
        for (WatchEvent e : events) {
            last = Math.max(last, e.revision());
            if (e.revision() > lastRevision) {
                deliver(e, closed);
            }
        }
        if (last > lastRevision) {
            lastRevision = last;
        }
    }

    /**
     * Lists the prefix until a listing succeeds (pausing between attempts) and delivers it as a {@link WatchEvent.Resync};
     * false when the watch was closed (or the pause interrupted) first.
     */
    boolean relist(Supplier<Listing> list, BooleanSupplier closed, BooleanSupplier pause) {
        while (!closed.getAsBoolean()) {
            try {
                Listing l = list.get();
                deliver(new WatchEvent.Resync(l.kvs(), l.revision()), closed);
                lastRevision = l.revision();
                return true;
            } catch (StoreException e) {
                LOG.log(Level.DEBUG, "watch re-list failed prefix={0} error={1}", prefix, e.getMessage());
                if (!pause.getAsBoolean()) {
                    return false;
                }
            }
        }
        return false;
    }

    private void deliver(WatchEvent event, BooleanSupplier closed) {
        if (closed.getAsBoolean()) {
            return;
        }
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "watch listener failed prefix={0} revision={1,number,#}: {2}", prefix, event.revision(), e.toString());
        }
    }
}
