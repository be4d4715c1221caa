package dev.viaduct.store.etcd;

import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A resumable prefix watch on etcd.
 *
 * <p>Concurrency: one virtual thread per watch (a single-thread executor) owns all of its state — the
 * current jetcd watcher, the generation counter and the last delivered revision — and is the only thread
 * that calls the listener. jetcd's callbacks only enqueue onto it, so events keep etcd's order.
 *
 * <p>Resuming: etcd delivers all events of one revision in one response (we never ask for fragmentation),
 * so remembering the last delivered revision is enough to resume with {@code start_revision = last + 1}
 * after any error, and to drop anything at or below it (jetcd resumes some disconnects by itself; a
 * response replayed after our own restart would otherwise repeat events). Watches require a leader
 * ({@code WithRequireLeader}): a member cut off from the quorum cancels the watch instead of going silent,
 * and we reopen it, possibly on another member. When the resume revision has been compacted
 * (etcd answers with {@code compact_revision}, jetcd raises {@link CompactedException}), the history is
 * gone: we re-list the prefix and deliver a {@link WatchEvent.Resync}, then watch from after the listing.
 */
final class EtcdWatch implements Watch {
    private static final System.Logger LOG = System.getLogger(EtcdWatch.class.getName());
    private static final long MAX_BACKOFF_MS = 2_000;

    private final EtcdDatastore store;
    private final io.etcd.jetcd.Watch client;
    private final String prefix;
    private final Watch.Listener listener;
    private final ExecutorService thread;
    /** Set by {@link #start}, once "from now" is a definite revision. */
    private volatile WatchDelivery delivery;
    private volatile boolean closed;
    private long fromRevision;
    private int generation;
    private io.etcd.jetcd.Watch.Watcher current;
    private long backoffMs = 50;
    private Thread owner;

    EtcdWatch(EtcdDatastore store, io.etcd.jetcd.Watch client, String prefix, long fromRevision, Watch.Listener listener) {
        this.store = store;
        this.client = client;
        this.prefix = prefix;
        this.listener = listener;
        this.fromRevision = fromRevision;
        this.thread = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("etcd-watch " + prefix).factory());
    }

    void start() {
        if (fromRevision <= 0) {
            // "from now" must still be a definite revision, or a disconnect before the first event loses events
            fromRevision = store.currentRevision() + 1;
        }
        delivery = new WatchDelivery(prefix, listener, fromRevision);
        submit(() -> {
            owner = Thread.currentThread();
            open(fromRevision);
        });
    }

    @Override
    public long lastRevision() {
        return delivery.lastRevision();
    }

    private void open(long from) {
        int gen = ++generation;
        WatchOption opt = WatchOption.builder().isPrefix(true).withRevision(from).withRequireLeader(true).build();
        try {
            current = client.watch(EtcdDatastore.bytes(prefix), opt, new io.etcd.jetcd.Watch.Listener() {
                @Override
                public void onNext(WatchResponse response) {
                    submit(() -> onResponse(gen, response));
                }

                @Override
                public void onError(Throwable t) {
                    submit(() -> onFailure(gen, t));
                }

                @Override
                public void onCompleted() {
                    submit(() -> onFailure(gen, new IllegalStateException("watch stream completed by the server")));
                }
            });
        } catch (RuntimeException e) {
            submit(() -> onFailure(gen, e));
        }
    }

    private void onResponse(int gen, WatchResponse response) {
        if (gen != generation || closed) {
            return;
        }
        backoffMs = 50;
        List<WatchEvent> events = new ArrayList<>();
        for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
            KeyValue kv = EtcdDatastore.convert(e.getKeyValue());
            switch (e.getEventType()) {
                case PUT -> events.add(new WatchEvent.Put(kv));
                case DELETE -> events.add(new WatchEvent.Delete(kv.key(), kv.modRevision()));
                case UNRECOGNIZED -> {
                    // an event type this client does not know: nothing to deliver
                }
            }
        }
        delivery.deliverNew(events, () -> closed);
    }

    private void onFailure(int gen, Throwable t) {
        if (gen != generation || closed) {
            return;
        }
        closeCurrent();
        if (t instanceof CompactedException || String.valueOf(t.getMessage()).contains("compacted")) {
            LOG.log(Level.INFO, "watch compacted prefix={0} lastRevision={1,number,#}: re-listing", prefix, lastRevision());
            if (delivery.relist(() -> store.list(prefix), () -> closed, this::pause)) {
                open(lastRevision() + 1);
            }
            return;
        }
        LOG.log(Level.INFO, "watch interrupted prefix={0} lastRevision={1,number,#} error={2}: resuming", prefix, lastRevision(), t.toString());
        if (!pause()) {
            return;
        }
        open(lastRevision() + 1);
    }

    private boolean pause() {
        try {
            Thread.sleep(backoffMs);
        } catch (InterruptedException e) {
            return false;
        }
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        return !closed;
    }

    private void closeCurrent() {
        if (current != null) {
            try {
                current.close();
            } catch (RuntimeException ignored) {
                // the stream is already broken
            }
            current = null;
        }
    }

    @Override
    public java.util.OptionalLong stalledSince() {
        WatchDelivery d = delivery;
        return d == null ? java.util.OptionalLong.empty() : d.stalledSince();
    }

    private void submit(Runnable r) {
        try {
            WatchDelivery d = delivery;
            thread.execute(() -> {
                if (d != null) {
                    d.begin();
                }
                try {
                    r.run();
                } finally {
                    if (d != null) {
                        d.end();
                    }
                }
            });
        } catch (RejectedExecutionException ignored) {
            // closed: late callbacks from jetcd are dropped
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        submit(this::closeCurrent);
        thread.shutdown();
        store.forget(this);
        if (Thread.currentThread() != owner) {
            try {
                if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                    thread.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "EtcdWatch[" + prefix + " last=" + lastRevision() + "]";
    }
}
