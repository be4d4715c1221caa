package dev.viaduct.netlink;

import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * One dedicated platform thread that steps into another network namespace for a moment — to create a socket
 * there, write a /proc/sys file, or bind-mount a new namespace — and always steps back.
 *
 * <p>{@code setns(2)} changes the namespace of the calling OS thread only (STYLE.md point 10), so it must
 * never run on a virtual thread (whose carrier would be left in the wrong namespace) nor on a pooled thread.
 * This thread exists for exactly that and runs one short task at a time from a queue: setns(target) → task →
 * setns(home). Tasks must be short and must not block; long work goes to {@link NetNamespace#run}, which
 * uses a thread of its own. If returning home ever fails, the thread exits rather than run another task in
 * the wrong namespace, and the next task starts a fresh thread.
 *
 * <p>Concurrency: callers from any thread enqueue and wait on a future; the queue is the only shared state.
 */
final class NamespaceSwitcher {
    private static final System.Logger LOG = System.getLogger(NamespaceSwitcher.class.getName());
    private static final NamespaceSwitcher INSTANCE = new NamespaceSwitcher();

    private final LinkedBlockingQueue<Job<?>> queue = new LinkedBlockingQueue<>();
    private volatile Thread thread;

    /** How to enter the target: setns into an open namespace fd, or unshare into a brand-new namespace. */
    private record Job<T>(int targetFd, Supplier<T> task, CompletableFuture<T> result) {
    }

    static NamespaceSwitcher instance() {
        return INSTANCE;
    }

    /** Runs {@code task} on the switcher thread inside the namespace {@code targetFd} refers to. */
    <T> T call(int targetFd, Supplier<T> task) {
        return submit(new Job<>(targetFd, task, new CompletableFuture<>()));
    }

    /** Runs {@code task} on the switcher thread inside a new, empty network namespace (unshare). */
    <T> T callInNewNamespace(Supplier<T> task) {
        return submit(new Job<>(-1, task, new CompletableFuture<>()));
    }

    private <T> T submit(Job<T> job) {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("a namespace-switcher task cannot wait for another one (it would deadlock)");
        }
        synchronized (this) {
            if (thread == null || !thread.isAlive()) {
                thread = Thread.ofPlatform().daemon().name("viaduct-netns-switch").start(this::loop);
            }
        }
        queue.add(job);
        try {
            return job.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for a namespace switch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void loop() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int home = Libc.open(arena, st, "/proc/thread-self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            try {
                while (true) {
                    Job<?> job = queue.take();
                    if (!runJob(job, st, home)) {
                        return;
                    }
                }
            } finally {
                Libc.close(st, home);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "namespace switcher failed: {0}", e.toString());
        } finally {
            // Fail whatever is still queued rather than leave callers waiting; the next call starts a new thread.
            Job<?> j;
            while ((j = queue.poll()) != null) {
                j.result().completeExceptionally(new IllegalStateException("namespace switcher thread stopped"));
            }
        }
    }

    /** Returns false if the thread could not return home and must stop. */
    private static <T> boolean runJob(Job<T> job, MemorySegment st, int home) {
        try {
            if (job.targetFd() >= 0) {
                Libc.setns(st, job.targetFd(), Libc.CLONE_NEWNET);
            } else {
                Libc.unshare(st, Libc.CLONE_NEWNET);
            }
        } catch (ErrnoException e) {
            job.result().completeExceptionally(NetlinkException.of(
                    job.targetFd() >= 0 ? "setns(fd " + job.targetFd() + ")" : "unshare(CLONE_NEWNET)", e.errno(), null, e));
            return true;
        }
        try {
            job.result().complete(job.task().get());
        } catch (RuntimeException | Error e) {
            job.result().completeExceptionally(e);
        }
        try {
            Libc.setns(st, home, Libc.CLONE_NEWNET);
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.ERROR, "namespace switcher cannot return home errno={0}; thread exits", e.errno());
            return false;
        }
        return true;
    }
}
