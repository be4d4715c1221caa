package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * fping from a namespace in per-ping mode ({@code -C}): the result says not only how many echoes were lost but
 * which ones, and the round-trip times around them, so a loss can be placed on the timeline of what the test did
 * (a stall shows as rising RTTs before a gap, a black hole as a clean gap).
 */
final class Fping {
    private final Process process;
    private final String namespace;
    private final long packetsBefore;
    private final long startedNanos;
    private final int count;
    private final int periodMs;

    private Fping(Process process, String namespace, long packetsBefore, long startedNanos, int count, int periodMs) {
        this.process = process;
        this.namespace = namespace;
        this.packetsBefore = packetsBefore;
        this.startedNanos = startedNanos;
        this.count = count;
        this.periodMs = periodMs;
    }

    /** Starts {@code count} echoes {@code periodMs} apart, each given {@code timeoutMs} to come back. */
    static Fping start(String namespace, String target, int count, int periodMs, int timeoutMs) throws IOException {
        long before = receivedPackets(namespace);
        long t = System.nanoTime();
        Process p = new ProcessBuilder("ip", "netns", "exec", namespace, "fping", "-C", Integer.toString(count), "-p",
                Integer.toString(periodMs), "-t", Integer.toString(timeoutMs), "-q", target).redirectErrorStream(true).start();
        return new Fping(p, namespace, before, t, count, periodMs);
    }

    /** Packets the pod's eth0 has received (echo replies, and requests from anyone pinging it). */
    private static long receivedPackets(String namespace) {
        return Long.parseLong(Cmd.ok("ip", "netns", "exec", namespace, "cat", "/sys/class/net/eth0/statistics/rx_packets").trim());
    }

    /** Waits until the pinging pod has received {@code packets} more packets than when fping started: traffic flows. */
    void awaitTraffic(long packets, Duration timeout) {
        Poll.until(packets + " packets into " + namespace + " since fping started", timeout,
                () -> receivedPackets(namespace) - packetsBefore, n -> n >= packets);
    }

    long startedNanos() {
        return startedNanos;
    }

    /** Per ping: its round-trip time in ms, or -1 when no answer came within the timeout. */
    record Result(double[] rtts, long startedNanos, int periodMs) {
        int sent() {
            return rtts.length;
        }

        int received() {
            int n = 0;
            for (double r : rtts) {
                n += r >= 0 ? 1 : 0;
            }
            return n;
        }

        /** Lost pings with when they were sent (ms after {@code zeroNanos}) and the RTTs of their neighbours. */
        String losses(long zeroNanos) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < rtts.length; i++) {
                if (rtts[i] < 0) {
                    double at = (startedNanos - zeroNanos) / 1e6 + (double) i * periodMs;
                    StringBuilder around = new StringBuilder();
                    for (int j = Math.max(0, i - 3); j <= Math.min(rtts.length - 1, i + 3); j++) {
                        around.append(j == i ? " [lost]" : rtts[j] < 0 ? " -" : String.format(" %.2f", rtts[j]));
                    }
                    out.add(String.format("ping %d sent at ~%.0f ms, RTTs around it (ms):%s", i, at, around));
                }
            }
            return out.isEmpty() ? "none lost" : String.join("; ", out);
        }

        double maxRtt() {
            double m = 0;
            for (double r : rtts) {
                m = Math.max(m, r);
            }
            return m;
        }
    }

    Result await(long seconds) throws IOException, InterruptedException {
        assertThat(process.waitFor(seconds, TimeUnit.SECONDS)).as("fping finished within %d s", seconds).isTrue();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // "10.244.0.2 : 0.05 0.04 - 0.06 ..." (one token per ping, "-" for no reply)
        String line = out.lines().filter(l -> l.contains(" : ")).findFirst().orElse(null);
        assertThat(line).as("fping -C output: %s", out).isNotNull();
        String[] tokens = line.substring(line.indexOf(" : ") + 3).trim().split("\\s+");
        assertThat(tokens).as("one figure per ping in: %s", out).hasSize(count);
        double[] rtts = new double[count];
        for (int i = 0; i < count; i++) {
            rtts[i] = tokens[i].equals("-") ? -1 : Double.parseDouble(tokens[i]);
        }
        return new Result(rtts, startedNanos, periodMs);
    }
}
