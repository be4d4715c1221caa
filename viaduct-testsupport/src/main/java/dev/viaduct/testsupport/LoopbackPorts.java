package dev.viaduct.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TCP ports on loopback for daemons a test starts (etcd members, refused-connection targets).
 *
 * <p>A port the kernel hands out for {@code bind(0)} comes from the ephemeral range
 * ({@code net.ipv4.ip_local_port_range}), the same range it picks source ports from for outgoing
 * connections: between choosing such a port and the daemon binding it, a client connection elsewhere
 * on the machine (another etcd member's peer link, a test in another JVM) can take it as its local port
 * and the daemon fails with "address already in use". Ports below the ephemeral range are never given
 * to outgoing connections, so only another listener can take one; those are checked by binding, and a
 * port is never handed out twice by this JVM.
 *
 * <p>Thread-safe.
 */
public final class LoopbackPorts {
    private static final int LOWEST = 10_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {}

    /** A port no socket on loopback listens on now, outside the kernel's ephemeral range. */
    public static int unused() {
        int highest = ephemeralLow() - 1;
        if (highest <= LOWEST) {
            return bindZero();
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = random.nextInt(LOWEST, highest + 1);
            if (HANDED_OUT.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no unused loopback port between " + LOWEST + " and " + highest);
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int bindZero() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    /**
     * The low end of {@code ip_local_port_range}; the kernel's default 32768 if it cannot be read. Read with
     * one large read: the file reports size 0, {@code Files.readString} then gets only its first byte (its first read
     * is sized from the file's size), and the kernel's sysctl handler answers the read at offset 1 with end of
     * file.
     */
    static int ephemeralLow() {
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
