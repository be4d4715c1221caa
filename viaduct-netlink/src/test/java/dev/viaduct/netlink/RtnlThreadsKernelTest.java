package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Netlink work handed to a few platform threads, each task with a socket of its own in a throw-away namespace. */
@Tag("root")
class RtnlThreadsKernelTest {
    @RegisterExtension
    final Netns netns = Netns.perTest();

    private NetNamespace ns;
    private RtnlThreads threads;

    @BeforeEach
    void setUp() {
        Netns.requireRoot();
        ns = NetNamespace.open(Netns.path(netns.create("rtnl-threads")));
        threads = new RtnlThreads(ns, 3, "test-wire");
    }

    @AfterEach
    void tearDown() {
        if (threads != null) {
            threads.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    static final class NotWired extends Exception {
        NotWired(String m) {
            super(m);
        }
    }

    @Test
    void tasksRunOnPlatformThreadsInTheNamespaceNeverMoreAtOnceThanThreadsAndNeverSharingASocket() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Set<Rtnl> inUse = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        List<Future<String>> calls = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 30; i++) {
                String name = "w" + i;
                calls.add(callers.submit(() -> threads.call(rtnl -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    assertThat(inUse.add(rtnl)).as("a socket two tasks hold at once").isTrue();
                    assertThat(Thread.currentThread().isVirtual()).isFalse();
                    rtnl.addLink(LinkSpec.veth(LinkSettings.named(name), LinkSettings.named(name + "p")));
                    inUse.remove(rtnl);
                    running.decrementAndGet();
                    return name;
                })));
            }
            for (int i = 0; i < calls.size(); i++) {
                assertThat(calls.get(i).get()).isEqualTo("w" + i);
            }
        }
        assertThat(most.get()).isBetween(1, 3);
        assertThat(threads.openSockets()).as("one socket per thread at most").isBetween(1, 3);
        threads.close();
        Poll.until("every thread closed its socket as it ended", java.time.Duration.ofSeconds(10), () -> threads.openSockets() == 0);
        try (Rtnl check = ns.openRtnl()) {
            assertThat(check.links()).extracting(Link::name).contains("w0", "w29p");
        }
    }

    @Test
    void aTasksOwnCheckedExceptionReachesTheCallerAsItself() {
        assertThatThrownBy(() -> threads.<Void, NotWired>call(rtnl -> {
            throw new NotWired("pod namespace gone");
        })).isInstanceOf(NotWired.class).hasMessage("pod namespace gone");
        assertThatThrownBy(() -> threads.call(rtnl -> rtnl.link("missing0").orElseThrow()))
                .isInstanceOf(java.util.NoSuchElementException.class);
        assertThatThrownBy(() -> threads.call(rtnl -> {
            rtnl.addLink(LinkSpec.veth(LinkSettings.named("lo"), LinkSettings.named("lop")));
            return null;
        })).isInstanceOf(NetlinkException.AlreadyExists.class).hasMessageContaining("link add lo");
    }

    @Test
    void anInterruptedCallerStillLearnsHowItsTaskEnded() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger result = new AtomicInteger();
        Thread caller = Thread.ofVirtual().start(() -> result.set(threads.call(rtnl -> {
            started.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException("the worker thread is never interrupted", e);
            }
            return 7;
        })));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        caller.interrupt();
        release.countDown();
        caller.join(10_000);
        assertThat(caller.isAlive()).isFalse();
        assertThat(result.get()).isEqualTo(7);
    }

    @Test
    void aClosedPoolRefusesWork() {
        threads.close();
        assertThatThrownBy(() -> threads.call(rtnl -> 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
