package dev.viaduct.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command for a test (an independent check such as {@code ip -j route}, or a reference
 * daemon). Output is read on separate threads so a chatty command cannot block; a command that outlives its
 * timeout is killed and reported.
 */
public final class Cmd {
    private Cmd() {
    }

    /** What a finished command left behind. */
    public record Result(List<String> argv, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws with the command, exit code and stderr unless it exited 0. */
        public Result orThrow() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", argv) + " exited " + exitCode + ": " + stderr.strip()
                        + (stdout.isBlank() ? "" : " (stdout: " + stdout.strip() + ")"));
            }
            return this;
        }
    }

    /** Runs {@code argv} with a 30 s timeout and returns its result, whatever the exit code. */
    public static Result run(String... argv) {
        return run(Duration.ofSeconds(30), null, argv);
    }

    /** Runs {@code argv}, throwing unless it exits 0; returns stdout. */
    public static String ok(String... argv) {
        return run(argv).orThrow().stdout();
    }

    /** Runs {@code argv} with {@code stdin} as input (may be null) and a timeout. */
    public static Result run(Duration timeout, String stdin, String... argv) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        try {
            Process p = pb.start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError(String.join(" ", argv) + " did not finish within " + timeout.toMillis()
                        + " ms; stdout so far: " + out.getNow("").strip());
            }
            return new Result(List.of(argv), p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", argv), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", argv), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("");
            }
        });
        return f;
    }
}
