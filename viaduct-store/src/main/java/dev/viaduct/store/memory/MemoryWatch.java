package dev.viaduct.store.memory;

import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import java.lang.System.Logger.Level;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A prefix watch on a {@link MemoryDatastore}. The store enqueues matching changes under its lock (so the
 * queue is in revision order); one virtual thread delivers them. A reconnect bumps the generation, drops
 * what is queued and replays history from the last delivered revision, which is exactly what an etcd
 * watch does after a dropped stream.
 *
 * <p>Lock order: this watch's monitor, then the store's lock (delivery holds the monitor while calling the
 * listener, which may call the store).
 */
final class MemoryWatch implements Watch {
    private static final System.Logger LOG = System.getLogger(MemoryWatch.class.getName());

    private record Item(int generation, WatchEvent event) {
    }

    private final MemoryDatastore store;
    private final String prefix;
    private final Watch.Listener listener;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private volatile int generation;
    private volatile long lastDelivered;
    private volatile boolean closed;
    private volatile boolean delivering;
    private volatile long deliveringSince;
    private Thread thread;

    MemoryWatch(MemoryDatastore store, String prefix, long lastDelivered, Watch.Listener listener) {
        this.store = store;
        this.prefix = prefix;
        this.lastDelivered = lastDelivered;
        this.listener = listener;
    }

    void start() {
        thread = Thread.ofVirtual().name("memory-watch " + prefix).start(this::run);
    }

    /** Store lock held. */
    void offerLocked(MemoryDatastore.Change c) {
        if (!closed && c.key().startsWith(prefix)) {
            queue.add(new Item(generation, c.event()));
        }
    }

    /** Store lock held: queues history from {@code from}, or a re-list when it was compacted. */
    void replayLocked(long from) {
        if (from <= store.compactRevisionLocked()) {
            queue.add(new Item(generation, new WatchEvent.Resync(store.snapshotLocked(prefix), store.revisionLocked())));
            return;
        }
        for (MemoryDatastore.Change c : store.historyFromLocked(from)) {
            offerLocked(c);
        }
    }

    synchronized void reconnect() {
        store.lock().lock();
        try {
            generation++;
            queue.clear();
            replayLocked(lastDelivered + 1);
        } finally {
            store.lock().unlock();
        }
    }

    private void run() {
        while (!closed) {
            Item item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (item.generation() != generation || closed) {
                    continue;
                }
                deliveringSince = System.nanoTime();
                delivering = true;
                try {
                    listener.onEvent(item.event());
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "watch listener failed prefix={0} revision={1,number,#}: {2}", prefix,
                            item.event().revision(), e.toString());
                } finally {
                    delivering = false;
                }
                lastDelivered = item.event().revision();
            }
        }
    }

    @Override
    public java.util.OptionalLong stalledSince() {
        return delivering ? java.util.OptionalLong.of(deliveringSince) : java.util.OptionalLong.empty();
    }

    @Override
    public long lastRevision() {
        return lastDelivered;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        store.watches.remove(this);
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
