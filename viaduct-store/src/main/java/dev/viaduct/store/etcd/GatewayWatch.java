package dev.viaduct.store.etcd;

import dev.viaduct.store.JsonTrees;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A resumable prefix watch over etcd's JSON gateway: {@code POST /v3/watch} with one {@code create_request}, whose
 * answer is a stream of {@code {"result": WatchResponse}} lines (or one {@code {"error": ...}}) for as long as the
 * connection lives.
 *
 * <p>Concurrency: one virtual thread per watch owns the stream and all state but the volatile fields below, and is
 * the only thread that calls the listener. {@link #close} and the store's check of quiet streams ({@link #abort})
 * interrupt it while, and only while, it is blocked reading the stream (for a virtual thread that closes the
 * socket), and wake a back-off pause.
 *
 * <p>Resuming, as {@link EtcdWatch}: etcd delivers all events of one revision in one response (we never ask for
 * fragmentation), so remembering the last delivered revision is enough to reopen with
 * {@code start_revision = last + 1} after any broken, ended or cancelled stream (a member cut off from the quorum
 * cancels watches that require a leader), and to drop anything at or below it. When the resume revision has been
 * compacted (etcd answers {@code canceled} with {@code compact_revision}), the history is gone: we re-list the
 * prefix and deliver a {@link WatchEvent.Resync}, then watch from after the listing. Progress notifications (no
 * events) change nothing.
 */
final class GatewayWatch implements Watch {
    private static final System.Logger LOG = System.getLogger(GatewayWatch.class.getName());
    private static final long MAX_BACKOFF_MS = 2_000;
    /** How long {@link #close} waits for a listener that is still running. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final EtcdGatewayDatastore store;
    private final String prefix;
    private final WatchDelivery delivery;
    private final Object pauses = new Object();
    /** Guards {@link #reading} and {@link #aborted}, so an interrupt reaches this watch's thread only in a read. */
    private final Object reads = new Object();
    private boolean reading;
    private volatile boolean aborted;
    private volatile boolean closed;
    private volatile EtcdGatewayDatastore.WatchStream current;
    private volatile long lastHeardNanos = System.nanoTime();
    private long backoffMs = 50;
    private volatile Thread thread;

    GatewayWatch(EtcdGatewayDatastore store, String prefix, long fromRevision, Watch.Listener listener) {
        this.store = store;
        this.prefix = prefix;
        this.delivery = new WatchDelivery(prefix, listener, fromRevision);
    }

    void start() {
        thread = Thread.ofVirtual().name("etcd-watch " + prefix).unstarted(this::run);
        thread.start();
    }

    @Override
    public long lastRevision() {
        return delivery.lastRevision();
    }

    private void run() {
        while (!closed) {
            String why;
            try {
                why = follow();
            } catch (StoreException e) {
                why = e.getMessage();
            }
            if (closed) {
                return;
            }
            if (why != null) {
                LOG.log(Level.INFO, "watch interrupted prefix={0} lastRevision={1,number,#} error={2}: resuming", prefix,
                        delivery.lastRevision(), why);
                if (!pause()) {
                    return;
                }
            }
        }
    }

    /** Follows one stream until it ends: why it ended, or null when it ended for a re-list (reopen at once). */
    private String follow() {
        EtcdGatewayDatastore.WatchStream s = store.sendWatch(prefix, delivery.lastRevision() + 1);
        synchronized (reads) {
            current = s;
            aborted = false;
        }
        lastHeardNanos = System.nanoTime();
        try {
            InputStream body = blocking(s::answer);
            if (body == null) {
                return stopped();
            }
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String line;
                while ((line = blocking(in::readLine)) != null) {
                    lastHeardNanos = System.nanoTime();
                    if (line.isBlank()) {
                        continue;
                    }
                    delivery.begin();
                    try {
                        JsonNode r = GatewayAnswers.streamed("watch " + prefix, JsonTrees.read(line));
                        if (GatewayAnswers.number(r.path("compact_revision")) > 0) {
                            LOG.log(Level.INFO, "watch compacted prefix={0} lastRevision={1,number,#}: re-listing", prefix,
                                    delivery.lastRevision());
                            delivery.relist(() -> store.list(prefix), () -> closed, this::pause);
                            return null;
                        }
                        if (r.path("canceled").asBoolean(false)) {
                            return "cancelled by " + s.endpoint() + ": " + r.path("cancel_reason").asString("");
                        }
                        backoffMs = 50;
                        onEvents(r.path("events"));
                    } finally {
                        delivery.end();
                    }
                }
                return line == null && (closed || aborted) ? stopped() : "stream ended by " + s.endpoint();
            }
        } catch (IOException e) {
            if (closed || aborted) {
                return stopped();
            }
            s.avoid();
            return s.endpoint() + ": " + e;
        } catch (JacksonException e) {
            return s.endpoint() + " sent something that is not JSON: " + e.getOriginalMessage();
        } finally {
            s.close();
            synchronized (reads) {
                current = null;
            }
        }
    }

    private String stopped() {
        return closed ? null : "member " + endpoint() + " does not answer";
    }

    @FunctionalInterface
    private interface Read<T> {
        T read() throws IOException;
    }

    /**
     * Runs a read that may block for as long as the watch is quiet; null, without reading, once the watch is
     * closed or its stream aborted. Only while it runs may {@link #close} and {@link #abort} interrupt this thread
     * (which closes the socket under the read): never while the listener runs.
     */
    private <T> T blocking(Read<T> read) throws IOException {
        synchronized (reads) {
            if (closed || aborted) {
                return null;
            }
            reading = true;
        }
        try {
            return read.read();
        } finally {
            synchronized (reads) {
                reading = false;
                Thread.interrupted(); // an interrupt was meant for the read only
            }
        }
    }

    private void onEvents(JsonNode events) {
        List<WatchEvent> converted = new ArrayList<>();
        for (JsonNode e : events) {
            KeyValue kv = GatewayAnswers.keyValue(e.path("kv"));
            // proto3's JSON leaves out the default: PUT is 0, so only DELETE is spelled out
            switch (e.path("type").asString("PUT")) {
                case "PUT" -> converted.add(new WatchEvent.Put(kv));
                case "DELETE" -> converted.add(new WatchEvent.Delete(kv.key(), kv.modRevision()));
                default -> {
                    // a type this client does not know: nothing to deliver
                }
            }
        }
        delivery.deliverNew(converted, () -> closed);
    }

    /** Waits the back-off (doubling it, up to {@link #MAX_BACKOFF_MS}); false when the watch was closed meanwhile. */
    private boolean pause() {
        long until = System.nanoTime() + backoffMs * 1_000_000;
        synchronized (pauses) {
            long left;
            while (!closed && (left = until - System.nanoTime()) > 0) {
                try {
                    pauses.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        return !closed;
    }

    /** The endpoint of the open stream, or null between streams. */
    String endpoint() {
        EtcdGatewayDatastore.WatchStream s = current;
        return s == null ? null : s.endpoint();
    }

    /** How long the open stream has sent nothing (zero between streams). */
    Duration quietSince(long nowNanos) {
        return current == null ? Duration.ZERO : Duration.ofNanos(nowNanos - lastHeardNanos);
    }

    /** Ends the stream if it is still the one to {@code endpoint}: the watch reopens it (elsewhere, first). */
    void abort(String endpoint) {
        synchronized (reads) {
            EtcdGatewayDatastore.WatchStream s = current;
            if (s != null && s.endpoint().equals(endpoint)) {
                aborted = true;
                if (reading) {
                    thread.interrupt();
                }
            }
        }
    }

    @Override
    public OptionalLong stalledSince() {
        return delivery.stalledSince();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (reads) {
            closed = true;
            if (reading && thread != Thread.currentThread()) {
                thread.interrupt();
            }
        }
        store.forget(this);
        synchronized (pauses) {
            pauses.notifyAll();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                if (!t.join(CLOSE_WAIT)) {
                    t.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "GatewayWatch[" + prefix + " last=" + delivery.lastRevision() + "]";
    }
}
