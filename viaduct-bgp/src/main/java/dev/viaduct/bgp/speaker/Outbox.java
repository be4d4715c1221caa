package dev.viaduct.bgp.speaker;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The encoded messages queued for one connection, and the thread that writes them: a virtual thread that runs
 * only while there is something to send, then ends. A writer parked on an empty queue for the connection's whole
 * life kept a frozen stack of a few KiB on the heap per session end, while most connections of a full mesh send
 * nothing but a keepalive every 30 s (bench/bgp-scale); a thread start per burst is cheap next to that.
 *
 * <p>A burst of queued messages goes out in one write per {@link #GATHER} bytes (with TCP_NODELAY, a write per
 * message would be a segment per message). No buffer lives with the connection: one message is written as it is,
 * several are copied into an array of their own size, garbage once written.
 *
 * <p>What the RIB sends takes a shorter way: the RIB thread {@link #queue queues} a batch's UPDATEs and, once the
 * batch is done, {@link #push pushes} them itself, gathered into as few send(2) calls as the socket buffer takes
 * without waiting; only what does not fit then goes to a writer thread. A route reflector's change is one UPDATE
 * to each of N clients: written by the thread that computed it, it reaches all N without N thread hand-offs, each
 * of which waits for a CPU on a loaded machine (BIRD and FRR write from their main loop the same way). Once a
 * whole gather's worth is queued, the RIB thread sends it at once ({@link #full}, {@link #pushEarly}) instead of at
 * the batch's end: a batch in which N clients come up queues N whole tables, and held until the batch ends those
 * were a queue node per message per client (a herd of 1,000 clients: ~780k nodes, ~19 MiB), where the socket
 * buffers take them as they come.
 *
 * <p>The RIB does not queue more than that in front of a socket that takes no more: it asks {@link #blocked} first,
 * and while a writer holds bytes the socket did not take, the RIB keeps what the peer is owed as prefixes, not as
 * encoded messages; the writer, done, calls the outbox's {@link #onWritable} hook, and the RIB sends the owed
 * prefixes in their state of then. So per peer at most about a gather's worth of UPDATEs waits here, however
 * slowly the peer reads (a herd of 1,000 clients held every client's whole table in these queues before).
 *
 * <p>Concurrency: {@link #add}, {@link #close} and {@link #onWritable} from any thread, {@link #blocked}, {@link #queue}, {@link #full}, {@link #push} and
 * {@link #pushEarly} from the RIB thread only; at most one writer at a time (the {@code writing} flag, held by a writer thread or by a push), so
 * messages go out in the order they were queued. After {@link #close}, or once a write failed, nothing more is
 * written and the connection is closed.
 */
final class Outbox {
    private static final byte[] CLOSE = new byte[0];
    /**
     * The most bytes of queued messages gathered into one write: four max-size messages (RFC 4271 §4.1). An
     * extended message (RFC 8654) larger than this is written on its own.
     */
    static final int GATHER = 4 * 4096;

    private final Transport.Connection conn;
    private final String peerName;
    private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
    /** Set while a writer runs or is starting; it clears it only when it has found the queue empty. */
    private final AtomicBoolean writing = new AtomicBoolean();
    /** Closed, or a write failed: the queue is not written any more. */
    private volatile boolean done;
    /** Bytes a push could not send, for the writer it starts to send first; set before that start, read by it. */
    private byte[] head;
    /** Queued by the RIB thread since its last push (RIB thread only). */
    private boolean pushDue;
    /** Bytes queued by the RIB thread since its last push, early or not (RIB thread only). */
    private int queuedBytes;
    /** Writer threads started and not yet ended. */
    private final AtomicInteger writers = new AtomicInteger();
    /** A {@link #blocked} answer was true: the next writer to end calls {@link #onWritable}. */
    private final AtomicBoolean wantWritable = new AtomicBoolean();
    private volatile Runnable onWritable = () -> {
    };

    Outbox(Transport.Connection conn, String peerName) {
        this.conn = conn;
        this.peerName = peerName;
    }

    /** What to run once a writer that {@link #blocked} reported has written what it held (from that writer). */
    void onWritable(Runnable hook) {
        onWritable = hook;
    }

    /**
     * Whether a writer holds bytes that the socket did not take yet, so more would only queue here; if so, the
     * hook given to {@link #onWritable} runs once that writer is done. False once closed or broken: what is
     * queued then is dropped anyway.
     */
    boolean blocked() {
        if (done || writers.get() == 0) {
            return false;
        }
        wantWritable.set(true);
        // a writer ending between the first read and the line above may not have seen the request: then it is
        // not blocked any more (a spare call of the hook later is harmless)
        return writers.get() > 0;
    }

    /** Queues one encoded message; a writer starts unless one is running. */
    void add(byte[] message) {
        if (done) {
            return;
        }
        queue.add(message);
        if (writing.compareAndSet(false, true)) {
            startWriter();
        }
    }

    /**
     * Queues one encoded message from the RIB thread, for its next {@link #push}; returns true for the first since
     * the last push (the caller then remembers to push this outbox).
     */
    boolean queue(byte[] message) {
        if (done) {
            return false;
        }
        queue.add(message);
        queuedBytes += message.length;
        boolean first = !pushDue;
        pushDue = true;
        return first;
    }

    /** Whether the RIB thread has queued a whole {@link #GATHER} since its last push: worth sending now (RIB thread only). */
    boolean full() {
        return queuedBytes >= GATHER;
    }

    /**
     * A {@link #push} in the middle of a batch, when the outbox is {@link #full}: the batch's closing push still
     * comes (this outbox stays due), and sends what is queued after this one.
     */
    void pushEarly(byte[] gather) {
        send(gather);
    }

    /**
     * Sends what is queued from the RIB thread, {@code gather} bytes at a time, as far as the socket takes it now;
     * a writer thread sends the rest. Nothing to do if a writer runs: it takes the queue as it finds it.
     *
     * @param gather the RIB thread's scratch array of {@link #GATHER} bytes
     */
    void push(byte[] gather) {
        pushDue = false;
        send(gather);
    }

    private void send(byte[] gather) {
        queuedBytes = 0;
        if (done || !writing.compareAndSet(false, true)) {
            return;
        }
        try {
            for (byte[] next; (next = queue.peek()) != null; ) {
                if (next == CLOSE) {
                    startWriter(); // the writer closes the connection
                    return;
                }
                byte[] src = next;
                int len = next.length;
                if (len < gather.length) {
                    src = gather;
                    len = 0;
                    // the only consumer is the holder of the writing flag, so what peek() saw is what poll() takes
                    while ((next = queue.peek()) != null && next != CLOSE && len + next.length <= gather.length) {
                        System.arraycopy(queue.poll(), 0, gather, len, next.length);
                        len += next.length;
                    }
                } else {
                    queue.poll();
                }
                int sent = 0;
                while (sent < len) {
                    int n = conn.sendNow(src, sent, len - sent);
                    if (n == 0) {
                        head = Arrays.copyOfRange(src, sent, len);
                        startWriter(); // the socket buffer is full: the writer waits for room
                        return;
                    }
                    sent += n;
                }
            }
        } catch (IOException e) {
            done = true; // the reader reports the failure; nothing more to write to a broken connection
            try {
                conn.close();
            } catch (IOException ignored) {
                // already broken
            }
            return;
        }
        writing.set(false);
        // an add() from another thread while this push held the flag queued its message and started no writer
        if (!queue.isEmpty() && writing.compareAndSet(false, true)) {
            startWriter();
        }
    }

    private void startWriter() {
        writers.incrementAndGet();
        Thread.ofVirtual().name("bgp-write-" + peerName).start(() -> {
            try {
                drain();
            } finally {
                writers.decrementAndGet();
                if (wantWritable.getAndSet(false)) {
                    onWritable.run();
                }
            }
        });
    }

    /** Messages waiting for a writer (tests: after close or a failed write, nothing is queued, so nothing can follow). */
    int queued() {
        return queue.size();
    }

    /** Writes what is queued so far, then closes the connection. */
    void close() {
        add(CLOSE);
    }

    private void drain() {
        boolean finished = true; // closed, broken, or something unexpected: the connection goes
        try {
            OutputStream out = conn.output();
            if (head != null) {
                out.write(head);
                head = null;
            }
            while (true) {
                for (byte[] m; (m = queue.poll()) != null; ) {
                    if (m == CLOSE) {
                        return; // writing stays set: no writer starts again
                    }
                    write(out, m);
                }
                writing.set(false);
                // an add() between the last poll and the line above saw writing set and started no writer
                if (queue.isEmpty() || !writing.compareAndSet(false, true)) {
                    finished = false;
                    return;
                }
            }
        } catch (IOException e) {
            // the reader reports the failure; nothing more to write to a broken connection
        } finally {
            if (finished) {
                done = true;
                try {
                    conn.close();
                } catch (IOException ignored) {
                    // already broken
                }
            }
        }
    }

    /** Writes {@code first} and, in the same write, the messages queued behind it up to {@link #GATHER} bytes. */
    private void write(OutputStream out, byte[] first) throws IOException {
        byte[] next = queue.peek();
        if (next == null || next == CLOSE || first.length + next.length > GATHER) {
            out.write(first);
            return;
        }
        List<byte[]> run = new ArrayList<>();
        run.add(first);
        int bytes = first.length;
        // the only consumer is this writer, so what peek() saw is what poll() takes
        while ((next = queue.peek()) != null && next != CLOSE && bytes + next.length <= GATHER) {
            run.add(queue.poll());
            bytes += next.length;
        }
        byte[] gathered = new byte[bytes];
        int at = 0;
        for (byte[] m : run) {
            System.arraycopy(m, 0, gathered, at, m.length);
            at += m.length;
        }
        out.write(gathered);
    }
}
