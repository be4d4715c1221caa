package dev.viaduct.bfd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs a task on a fresh platform thread that has entered a network namespace (setns affects only the calling
 * OS thread, so never a virtual thread and never a pooled one). Sockets the task opens stay in that namespace.
 */
final class InNamespace {
    private InNamespace() {
    }

    static <T> T call(Path namespace, Callable<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("in-netns").start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = Libc.newCallState(arena);
                int fd = Libc.open(arena, st, namespace.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
                try {
                    Libc.setns(st, fd, Libc.CLONE_NEWNET, namespace.toString());
                } finally {
                    Libc.close(st, fd);
                }
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        t.join();
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }
}
