package dev.viaduct.bgp.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.rib.Rib;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RibOwnerTest {
    static final Duration T = Duration.ofSeconds(5);

    static RibOwner owner() throws Exception {
        int id = 0x0a000001;
        return new RibOwner(new Rib(new Rib.Settings(64512, id, id, false, 100, 60), null, events -> {
        }), System::nanoTime);
    }

    @Test
    void aWedgedBatchShowsAsStalledSinceItStartedAndAnIdleOwnerOwesNothing() throws Exception {
        RibOwner rib = owner();
        try {
            Poll.until("idle", T, () -> rib.stalledSince().isEmpty());
            CountDownLatch inWork = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            long before = System.nanoTime();
            rib.post(r -> {
                inWork.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(inWork.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(rib.stalledSince()).isPresent();
            assertThat(rib.stalledSince().getAsLong()).isGreaterThanOrEqualTo(before);
            release.countDown();
            Poll.until("idle again", T, () -> rib.stalledSince().isEmpty());
        } finally {
            rib.stop();
        }
    }

    @Test
    void aThreadKilledByAnErrorShowsAsStalled() throws Exception {
        RibOwner rib = owner();
        try {
            rib.post(r -> {
                throw new StackOverflowError("simulated");
            });
            Poll.until("the dead thread is reported", T, () -> rib.stalledSince().isPresent());
        } finally {
            rib.stop();
        }
    }
}
