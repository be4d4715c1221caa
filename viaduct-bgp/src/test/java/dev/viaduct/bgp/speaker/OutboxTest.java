package dev.viaduct.bgp.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import dev.viaduct.testsupport.Poll;
import org.junit.jupiter.api.Test;

/**
 * The outbox of one connection, on a fake connection that records each write: order, gathering of a burst into
 * one write (at most {@link Outbox#GATHER} bytes), close after what was queued, nothing after a failed write, and
 * never two writers at once; and the RIB thread's pushes, which send what the socket takes at once themselves.
 */
class OutboxTest {

    /** Records every write; the first write can be held until released, and any write can be made to fail. */
    static final class FakeConnection implements Transport.Connection {
        final List<byte[]> writes = new ArrayList<>();
        final CountDownLatch firstWriteStarted = new CountDownLatch(1);
        final CountDownLatch releaseFirstWrite = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicInteger writers = new AtomicInteger();
        final AtomicBoolean overlapped = new AtomicBoolean();
        volatile boolean holdFirst;
        volatile boolean fail;
        /** What {@link #sendNow} takes in all before it reports a full send buffer. */
        volatile int room;
        final AtomicInteger sendNowCalls = new AtomicInteger();

        @Override
        public int sendNow(byte[] b, int off, int len) {
            sendNowCalls.incrementAndGet();
            int n = Math.min(len, room);
            room -= n;
            if (n > 0) {
                synchronized (writes) {
                    writes.add(Arrays.copyOfRange(b, off, off + n));
                }
            }
            return n;
        }

        @Override
        public InputStream input() {
            return InputStream.nullInputStream();
        }

        @Override
        public OutputStream output() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (writers.incrementAndGet() > 1) {
                        overlapped.set(true);
                    }
                    try {
                        boolean first;
                        synchronized (writes) {
                            first = writes.isEmpty();
                            writes.add(Arrays.copyOfRange(b, off, off + len));
                        }
                        if (first && holdFirst) {
                            firstWriteStarted.countDown();
                            releaseFirstWrite.await(10, TimeUnit.SECONDS);
                        }
                        if (fail) {
                            throw new IOException("broken pipe");
                        }
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    } finally {
                        writers.decrementAndGet();
                    }
                }
            };
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress(0);
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress(0);
        }

        @Override
        public void close() {
            closed.countDown();
        }

        List<byte[]> writes() {
            synchronized (writes) {
                return new ArrayList<>(writes);
            }
        }

        byte[] written() {
            var all = new ByteArrayOutputStream();
            for (byte[] w : writes()) {
                all.writeBytes(w);
            }
            return all.toByteArray();
        }
    }

    static byte[] message(int size, int fill) {
        byte[] m = new byte[size];
        Arrays.fill(m, (byte) fill);
        return m;
    }

    /** The messages back to back, as the peer must receive them. */
    static byte[] concat(byte[]... messages) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] m : messages) {
            all.writeBytes(m);
        }
        return all.toByteArray();
    }

    @Test
    void aBurstQueuedBehindAWriteGoesOutInOneWriteInOrder() throws Exception {
        FakeConnection c = new FakeConnection();
        c.holdFirst = true;
        Outbox o = new Outbox(c, "peer");
        o.add(message(19, 1));
        assertThat(c.firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
        o.add(message(30, 2));
        o.add(message(40, 3));
        o.add(message(19, 4));
        c.releaseFirstWrite.countDown();
        o.close();
        assertThat(c.closed.await(10, TimeUnit.SECONDS)).isTrue();
        List<byte[]> writes = c.writes();
        assertThat(writes).hasSize(2);
        assertThat(writes.get(0)).isEqualTo(message(19, 1));
        byte[] expected = concat(message(30, 2), message(40, 3), message(19, 4));
        assertThat(writes.get(1)).isEqualTo(expected);
    }

    @Test
    void aGatheredWriteHoldsAtMostGatherBytes() throws Exception {
        FakeConnection c = new FakeConnection();
        c.holdFirst = true;
        Outbox o = new Outbox(c, "peer");
        o.add(message(19, 0));
        assertThat(c.firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 10; i++) {
            o.add(message(4096, i)); // four fit in GATHER, ten do not
        }
        c.releaseFirstWrite.countDown();
        o.close();
        assertThat(c.closed.await(10, TimeUnit.SECONDS)).isTrue();
        List<byte[]> writes = c.writes();
        assertThat(writes).extracting(w -> w.length).containsExactly(19, 4 * 4096, 4 * 4096, 2 * 4096);
        byte[] all = c.written();
        for (int i = 1; i <= 10; i++) {
            assertThat(all[19 + (i - 1) * 4096]).isEqualTo((byte) i);
            assertThat(all[19 + i * 4096 - 1]).isEqualTo((byte) i);
        }
    }

    @Test
    void closeWritesWhatWasQueuedThenClosesAndLaterMessagesAreDropped() throws Exception {
        FakeConnection c = new FakeConnection();
        Outbox o = new Outbox(c, "peer");
        o.add(message(19, 1));
        o.add(message(23, 2));
        o.close();
        assertThat(c.closed.await(10, TimeUnit.SECONDS)).isTrue();
        o.add(message(19, 3));
        // done is set before the connection closes, so this add dropped the message at once: nothing is queued
        // for a writer, hence nothing can be written later (no need to wait and see)
        assertThat(o.queued()).isZero();
        byte[] expected = concat(message(19, 1), message(23, 2));
        assertThat(c.written()).isEqualTo(expected);
    }

    @Test
    void aFailedWriteClosesTheConnectionAndNothingMoreIsWritten() throws Exception {
        FakeConnection c = new FakeConnection();
        c.fail = true;
        Outbox o = new Outbox(c, "peer");
        o.add(message(19, 1));
        assertThat(c.closed.await(10, TimeUnit.SECONDS)).isTrue();
        o.add(message(19, 2));
        assertThat(o.queued()).isZero();
        assertThat(c.writes()).hasSize(1);
    }

    @Test
    void manyThreadsAddingGetEveryMessageOutInTheirOrderWithOneWriterAtATime() throws Exception {
        FakeConnection c = new FakeConnection();
        Outbox o = new Outbox(c, "peer");
        int threads = 8;
        int each = 2000;
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            adders.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < each; i++) {
                    o.add(new byte[] {(byte) id, (byte) (i >> 8), (byte) i}); // 3-byte "messages": thread, sequence
                }
            }));
        }
        for (Thread t : adders) {
            t.join();
        }
        o.close();
        assertThat(c.closed.await(10, TimeUnit.SECONDS)).isTrue();
        byte[] all = c.written();
        assertThat(all).hasSize(threads * each * 3);
        int[] next = new int[threads];
        for (int k = 0; k < all.length; k += 3) {
            int id = all[k];
            int seq = (all[k + 1] & 0xff) << 8 | all[k + 2] & 0xff;
            assertThat(seq).as("thread %d's messages in order", id).isEqualTo(next[id]);
            next[id]++;
        }
        assertThat(c.overlapped).as("two writers at once").isFalse();
    }

    @Test
    void aPushSendsTheQueuedBatchInOneCallOnTheCallersThread() {
        FakeConnection c = new FakeConnection();
        c.room = Integer.MAX_VALUE;
        Outbox o = new Outbox(c, "peer");
        assertThat(o.queue(message(19, 1))).isTrue();
        assertThat(o.queue(message(30, 2))).isFalse(); // one push covers the batch
        o.push(new byte[Outbox.GATHER]);
        // written before push returned: no writer thread to wait for
        assertThat(c.sendNowCalls).hasValue(1);
        byte[] expected = concat(message(19, 1), message(30, 2));
        assertThat(c.writes()).singleElement().isEqualTo(expected);
        assertThat(o.queued()).isZero();
        assertThat(o.queue(message(19, 3))).isTrue(); // the next batch needs its own push
    }

    @Test
    void whatTheSocketDoesNotTakeAtOnceAWriterSendsInOrder() throws Exception {
        FakeConnection c = new FakeConnection();
        c.room = 25;
        Outbox o = new Outbox(c, "peer");
        o.queue(message(19, 1));
        o.queue(message(30, 2));
        o.push(new byte[Outbox.GATHER]);
        o.add(message(19, 3));
        o.close();
        assertThat(c.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(c.writes().getFirst()).hasSize(25);
        byte[] expected = concat(message(19, 1), message(30, 2), message(19, 3));
        assertThat(c.written()).isEqualTo(expected);
        assertThat(c.overlapped).as("two writers at once").isFalse();
    }

    @Test
    void aWholeGatherQueuedInABatchGoesOutBeforeTheBatchEndsAndTheRestWithItsPush() {
        FakeConnection c = new FakeConnection();
        c.room = Integer.MAX_VALUE;
        Outbox o = new Outbox(c, "peer");
        byte[] gather = new byte[Outbox.GATHER];
        int size = 4096;
        assertThat(o.queue(message(size, 1))).isTrue();
        for (int i = 2; i <= Outbox.GATHER / size; i++) {
            assertThat(o.full()).isFalse();
            assertThat(o.queue(message(size, i))).isFalse();
        }
        assertThat(o.full()).isTrue();
        o.pushEarly(gather);
        assertThat(o.queued()).isZero();
        assertThat(c.written()).hasSize(Outbox.GATHER);
        assertThat(o.full()).isFalse();
        // still due for the batch's closing push: queueing more does not ask for another
        assertThat(o.queue(message(19, 9))).isFalse();
        o.push(gather);
        assertThat(c.written()).hasSize(Outbox.GATHER + 19);
        assertThat(c.written()[Outbox.GATHER]).isEqualTo((byte) 9);
        assertThat(o.queue(message(19, 10))).isTrue();
    }

    @Test
    void aPeerWhoseSocketTakesNothingDoesNotHoldTheRibThreadsPushesToTheOthers() throws Exception {
        FakeConnection slow = new FakeConnection();
        slow.room = 0;
        slow.holdFirst = true; // its writer's first write blocks until released
        FakeConnection fast = new FakeConnection();
        fast.room = Integer.MAX_VALUE;
        Outbox s = new Outbox(slow, "slow");
        Outbox f = new Outbox(fast, "fast");
        byte[] gather = new byte[Outbox.GATHER];
        s.queue(message(19, 1));
        f.queue(message(19, 2));
        s.push(gather); // hands its bytes to a writer thread, which blocks
        assertThat(slow.firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
        f.push(gather);
        assertThat(fast.written()).isEqualTo(message(19, 2));
        slow.releaseFirstWrite.countDown();
        s.close();
        assertThat(slow.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(slow.written()).isEqualTo(message(19, 1));
    }

    @Test
    void whileAWriterHoldsWhatTheSocketDidNotTakeTheOutboxIsBlockedAndSaysWhenItIsWritten() throws Exception {
        FakeConnection c = new FakeConnection();
        c.room = 0;
        c.holdFirst = true;
        Outbox o = new Outbox(c, "peer");
        CountDownLatch writable = new CountDownLatch(1);
        AtomicInteger hooks = new AtomicInteger();
        o.onWritable(() -> {
            hooks.incrementAndGet();
            writable.countDown();
        });
        byte[] gather = new byte[Outbox.GATHER];
        assertThat(o.blocked()).as("nothing held yet").isFalse();
        o.queue(message(19, 1));
        o.push(gather); // the socket takes nothing: a writer holds the bytes
        assertThat(c.firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(o.blocked()).isTrue();
        assertThat(hooks.get()).isZero();
        c.releaseFirstWrite.countDown();
        assertThat(writable.await(10, TimeUnit.SECONDS)).isTrue();
        Poll.until("the writer is gone", java.time.Duration.ofSeconds(10), () -> !o.blocked());
        assertThat(c.written()).isEqualTo(message(19, 1));
        assertThat(hooks.get()).isEqualTo(1);
    }

    @Test
    void anOutboxNobodyAskedAboutCallsNoHookWhenItsWriterEnds() throws Exception {
        FakeConnection c = new FakeConnection();
        Outbox o = new Outbox(c, "peer");
        AtomicInteger hooks = new AtomicInteger();
        o.onWritable(hooks::incrementAndGet);
        o.add(message(19, 1)); // a keepalive from a timer: a writer sends it
        o.close();
        assertThat(c.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(c.written()).isEqualTo(message(19, 1));
        assertThat(hooks.get()).isZero();
        assertThat(o.blocked()).as("closed: nothing waits for room any more").isFalse();
    }
}
