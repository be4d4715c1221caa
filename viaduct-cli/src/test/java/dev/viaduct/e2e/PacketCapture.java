package dev.viaduct.e2e;

import dev.viaduct.testsupport.Poll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * {@code tcpdump -nn -l} on one interface of a namespace, for proving what is on the wire. Started only once
 * tcpdump says it is listening; lines are collected as they arrive; always stopped (try-with-resources).
 * Timestamped lines are packets as seen on the interface; a VXLAN packet's inner frame follows on a line of
 * its own without a timestamp.
 */
final class PacketCapture implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final AtomicBoolean listening = new AtomicBoolean();
    private final StringBuilder stderr = new StringBuilder();

    private PacketCapture(Process p) {
        this.process = p;
        Thread.ofVirtual().start(() -> read(p, false));
        Thread.ofVirtual().start(() -> read(p, true));
    }

    /** Starts capturing with BPF {@code filter} and returns once tcpdump listens (10 s at most). */
    static PacketCapture start(String namespace, String device, String filter) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "tcpdump", "-i", device, "-nn", "-l",
                "--immediate-mode"));
        argv.addAll(List.of(filter.split(" ")));
        PacketCapture c = new PacketCapture(new ProcessBuilder(argv).start());
        try {
            Poll.until("tcpdump listening on " + device + " in " + namespace, Duration.ofSeconds(10),
                    () -> c.listening.get() || !c.process.isAlive());
            if (!c.listening.get()) {
                throw new IOException("tcpdump did not start: " + c.stderr());
            }
        } catch (IOException | RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void read(Process p, boolean err) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(err ? p.getErrorStream() : p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (err) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                    if (line.contains("listening on")) {
                        listening.set(true);
                    }
                } else {
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Lines that are packets on the interface (timestamped) and match {@code p}. */
    List<String> packets(Predicate<String> p) {
        return lines().stream().filter(l -> l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ .*")).filter(p).toList();
    }

    /** Waits until at least {@code n} packets match {@code p}; returns them. */
    List<String> awaitPackets(String what, int n, Predicate<String> p) {
        return Poll.until(what, Duration.ofSeconds(10), () -> packets(p), l -> l.size() >= n);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
