package dev.viaduct.netlink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A few platform threads that run netlink work for callers on any thread, each task with an rtnetlink socket
 * in one namespace that nobody else uses meanwhile.
 *
 * <p>Why: the kernel handles a request inside {@code sendmsg}, and a request that changes links waits there
 * for the RTNL mutex. On a virtual thread that downcall holds its carrier (a node has as many carriers as
 * cores), and on one shared socket a burst of callers also queues behind the socket's lock, every handoff
 * waiting for a free carrier again. Here the waiting happens on platform threads, in the kernel's own queue
 * for RTNL, and the carriers stay free for the callers' other work.
 *
 * <p>Concurrency: {@link #call} from any thread; at most {@code threads} tasks run at once and the rest queue
 * in order. Each thread opens its socket on its first task and closes it when it ends, after 30 s without
 * work, so nothing is held long after a burst. A task must not keep its socket beyond its return.
 */
public final class RtnlThreads implements AutoCloseable {
    /** Work done with a socket in the namespace; may throw its own checked exception. */
    @FunctionalInterface
    public interface Task<T, X extends Exception> {
        T run(Rtnl rtnl) throws X;
    }

    private final NetNamespace ns;
    private final ThreadPoolExecutor threads;
    /** The socket of the calling worker thread, opened on its first task and closed when the thread ends. */
    private final ThreadLocal<Rtnl> socket = new ThreadLocal<>();
    /** Every socket not yet closed: one per live thread at most. */
    private final List<Rtnl> opened = new ArrayList<>();

    /** {@code threads} platform threads named {@code name-N} for work in {@code ns} (kept open by the caller). */
    public RtnlThreads(NetNamespace ns, int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads " + threads + " must be at least 1");
        }
        this.ns = ns;
        ThreadFactory platform = Thread.ofPlatform().daemon().name(name + "-", 0).factory();
        this.threads = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                work -> platform.newThread(() -> {
                    try {
                        work.run();
                    } finally {
                        closeSocket();
                    }
                }));
        this.threads.allowCoreThreadTimeOut(true);
    }

    /**
     * Runs {@code task} on one of the threads and returns its result, or throws what it threw. Waits for it
     * without regard to interrupts: the task changes the kernel, and the caller must know how that ended.
     */
    @SuppressWarnings("unchecked")
    public <T, X extends Exception> T call(Task<T, X> task) throws X {
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            threads.execute(() -> run(task, done));
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("netlink threads for " + ns + " are closed", e);
        }
        try {
            return done.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            if (cause == null) {
                throw e;
            }
            throw (X) cause; // a task throws no other checked exception than its own X
        }
    }

    private <T, X extends Exception> void run(Task<T, X> task, CompletableFuture<T> done) {
        try {
            Rtnl rtnl = socket.get();
            if (rtnl == null) {
                rtnl = ns.openRtnl();
                socket.set(rtnl);
                synchronized (opened) {
                    opened.add(rtnl);
                }
            }
            done.complete(task.run(rtnl));
        } catch (Throwable e) {
            done.completeExceptionally(e);
        }
    }

    private void closeSocket() {
        Rtnl rtnl = socket.get();
        if (rtnl != null) {
            socket.remove();
            synchronized (opened) {
                opened.remove(rtnl);
            }
            rtnl.close();
        }
    }

    /** Sockets open now: one per live thread at most. */
    int openSockets() {
        synchronized (opened) {
            return opened.size();
        }
    }

    /** Lets queued tasks finish; each thread closes its socket as it ends. */
    @Override
    public void close() {
        threads.shutdown();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
