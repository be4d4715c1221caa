package dev.viaduct.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReconcileLoopTest {
    static final Duration T = Duration.ofSeconds(5);
    static final Duration NEVER = Duration.ZERO;
    final ReentrantLock lock = new ReentrantLock();
    /** The desired state: guarded by lock, as in a controller. */
    int desired;
    /** What each pass saw: desired value and whether it was a resync. */
    final List<String> passes = new CopyOnWriteArrayList<>();
    final AtomicBoolean snapshotUnderLock = new AtomicBoolean(true);
    ReconcileLoop<String> loop;

    ReconcileLoop<String> loop(Duration resync, Duration retry, BooleanSupplier ready, ReconcileLoop.Pass<String> pass) {
        loop = new ReconcileLoop<>(lock, new ReconcileLoop.Settings("test-loop", false, resync, retry), ready, full -> {
            snapshotUnderLock.compareAndSet(true, lock.isHeldByCurrentThread());
            return desired + (full ? " resync" : "");
        }, s -> {
            passes.add(s);
            return pass.apply(s);
        });
        return loop;
    }

    void set(int value) {
        lock.lock();
        try {
            desired = value;
            loop.kick(); // with the lock held, as the controllers' setters do
        } finally {
            lock.unlock();
        }
    }

    @AfterEach
    void close() {
        if (loop != null) {
            loop.close();
        }
    }

    @Test
    void kicksDuringAPassMakeOneMorePassWithTheLatestStateTakenUnderTheLock() throws Exception {
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop(NEVER, Duration.ofSeconds(1), () -> true, s -> {
            if (s.equals("1")) {
                inFirst.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return true;
        }).start();
        set(1);
        assertThat(inFirst.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 2; i <= 10; i++) {
            set(i); // the pass holds no lock: setters go through while it runs
        }
        release.countDown();
        Poll.until("the pass after the burst", T, () -> passes.size() == 2);
        loop.close();
        assertThat(passes).containsExactly("1", "10");
        assertThat(snapshotUnderLock).isTrue();
    }

    @Test
    void nothingRunsUntilReadyEvenWhenKicked() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        AtomicBoolean ready = new AtomicBoolean();
        loop(NEVER, Duration.ofSeconds(1), () -> {
            asked.incrementAndGet(); // only asked when kicked (dirty), under the lock
            return ready.get();
        }, s -> true).start();
        set(1);
        Poll.until("the loop woke for the kick and asked whether it may run", T, () -> asked.get() >= 1);
        assertThat(passes).isEmpty();
        lock.lock();
        try {
            ready.set(true); // as a controller's setter: state and kick under the lock
            desired = 2;
            loop.kick();
        } finally {
            lock.unlock();
        }
        Poll.until("a pass once ready", T, () -> !passes.isEmpty());
        loop.close();
        assertThat(passes).containsExactly("2");
    }

    @Test
    void aFailedPassIsRetriedAsAResyncWithoutAKick() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        loop(NEVER, Duration.ofMillis(50), () -> true, s -> calls.incrementAndGet() > 2).start();
        set(7);
        Poll.until("two failures and a success", T, () -> calls.get() == 3);
        loop.close();
        assertThat(passes).containsExactly("7", "7 resync", "7 resync");
    }

    @Test
    void aPassThatThrowsCountsAsFailedAndTheLoopGoesOn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        loop(NEVER, Duration.ofMillis(50), () -> true, s -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("kernel said no");
            }
            return true;
        }).start();
        set(1);
        Poll.until("the retry after the exception", T, () -> calls.get() == 2);
        loop.close();
        assertThat(passes).containsExactly("1", "1 resync");
    }

    @Test
    void resyncRunsPeriodicallyAndOnRequest() throws Exception {
        loop(Duration.ofMillis(100), Duration.ofSeconds(1), () -> true, s -> true).start();
        Poll.until("two periodic passes without any kick", T, () -> passes.size() >= 2);
        assertThat(passes).allMatch(p -> p.equals("0 resync"));
        loop.close();
        passes.clear();

        loop(NEVER, Duration.ofSeconds(1), () -> true, s -> true).start();
        set(1);
        Poll.until("the kicked pass", T, () -> passes.size() == 1);
        loop.resync();
        Poll.until("the requested resync", T, () -> passes.size() == 2);
        loop.close();
        assertThat(passes).containsExactly("1", "1 resync");
    }

    @Test
    void closeWaitsForTheThreadToEnd() throws Exception {
        List<Thread> threads = new CopyOnWriteArrayList<>();
        loop(NEVER, Duration.ofSeconds(1), () -> true, s -> {
            threads.add(Thread.currentThread());
            return true;
        }).start();
        set(1);
        Poll.until("a pass", T, () -> passes.size() == 1);
        loop.close();
        assertThat(threads).hasSize(1).allSatisfy(t -> assertThat(t.isAlive()).isFalse());
    }

    @Test
    void aWedgedPassShowsAsStalledSinceItStartedAndClearsWhenItReturns() throws Exception {
        CountDownLatch inPass = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop(NEVER, T, () -> true, s -> {
            inPass.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        });
        loop.start();
        assertThat(loop.stalledSince()).as("idle, nothing owed").isEmpty();
        long before = System.nanoTime();
        set(1);
        assertThat(inPass.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.stalledSince()).isPresent();
        assertThat(loop.stalledSince().getAsLong()).isGreaterThanOrEqualTo(before);
        release.countDown();
        Poll.until("no longer stalled", T, () -> loop.stalledSince().isEmpty());
    }

    @Test
    void workNotTakenUpAndADeadThreadShowAsStalled() throws Exception {
        AtomicBoolean snapshotThrows = new AtomicBoolean(false);
        loop = new ReconcileLoop<>(lock, new ReconcileLoop.Settings("dying-loop", false, NEVER, T), () -> true, full -> {
            if (snapshotThrows.get()) {
                throw new IllegalStateException("snapshot bug");
            }
            return "x";
        }, s -> true);
        loop.start();
        snapshotThrows.set(true);
        long before = System.nanoTime();
        loop.kick();
        Poll.until("the thread's death is reported", T, () -> loop.stalledSince().isPresent());
        assertThat(loop.stalledSince().getAsLong()).isGreaterThanOrEqualTo(before);
        loop.kick();
        assertThat(loop.stalledSince()).as("kicks do not hide a dead thread").isPresent();
    }

    @Test
    void aLoopThatIsNotReadyOwesNothing() {
        loop(NEVER, T, () -> false, s -> true);
        loop.start();
        set(1);
        assertThat(loop.stalledSince()).isEmpty();
    }
}
