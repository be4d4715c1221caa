package dev.viaduct.bgp.transport;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Native receive buffers that connections borrow only while they hold unread bytes. A connection's reader spends
 * nearly all its life parked with nothing to read; a buffer of its own per connection was 8 KiB of native memory
 * per session end, which a full mesh of hundreds of nodes multiplies by N(N-1) (bench/bgp-scale). Borrowed for a
 * recv(2) and given back once the bytes are consumed, the buffers in use at once are about the connections
 * receiving right now, not all of them.
 *
 * <p>Every buffer has an automatic arena of its own: a buffer that is never given back (its reader stopped with
 * bytes left, after a NOTIFICATION, a decode error or a lost connection) is freed by the GC instead of leaking, and
 * so is one given back to a pool that already keeps {@link #KEEP}.
 *
 * <p>Concurrency: any thread; one lock, held for a push or a pop.
 */
final class ReadBuffers {
    /**
     * A BGP message is at most 4096 bytes (RFC 4271 §4.1): one recv(2) can take two. An extended message (up to
     * 65,535 bytes, RFC 8654) takes several; the reader is a stream, so nothing here depends on a message fitting.
     */
    static final int SIZE = 8 * 1024;
    /** Idle buffers kept for reuse (2 MiB): enough for a burst of many sessions receiving at once. */
    private static final int KEEP = 256;

    private static final ReadBuffers SHARED = new ReadBuffers();

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<MemorySegment> idle = new ArrayDeque<>();

    /** The JVM-wide pool, shared by every connection of every transport. */
    static ReadBuffers shared() {
        return SHARED;
    }

    /** A buffer of {@link #SIZE} bytes, reused when one is idle. */
    MemorySegment take() {
        lock.lock();
        try {
            MemorySegment b = idle.pollFirst();
            if (b != null) {
                return b;
            }
        } finally {
            lock.unlock();
        }
        return Arena.ofAuto().allocate(SIZE, 8);
    }

    /** Returns a buffer from {@link #take}; the caller must not touch it afterwards. */
    void give(MemorySegment b) {
        lock.lock();
        try {
            if (idle.size() < KEEP) {
                idle.addFirst(b); // most recently used first: its pages are the likeliest to be in cache
            }
        } finally {
            lock.unlock();
        }
    }

    /** Idle buffers held (for tests). */
    int idle() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
    }
}
