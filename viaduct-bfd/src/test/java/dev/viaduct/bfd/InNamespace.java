package dev.viaduct.bfd;

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
            try {
                UdpCalls.enterNamespace(namespace.toString());
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
