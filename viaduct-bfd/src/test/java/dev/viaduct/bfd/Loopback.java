package dev.viaduct.bfd;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback addresses no other test JVM on this machine is likely to use: 127.P.N.x with P derived from this
 * JVM's pid and N a per-JVM counter, so concurrent test runs (and other engineers' tests) don't fight over
 * port 3784 on the same address. Every 127/8 address answers on {@code lo} without configuration.
 */
final class Loopback {
    private static final int PID_OCTET = 16 + (int) (ProcessHandle.current().pid() % 200);
    private static final AtomicInteger NET = new AtomicInteger(100);

    private Loopback() {
    }

    /** A fresh "127.P.N." prefix. */
    static String subnet() {
        return "127." + PID_OCTET + "." + (NET.incrementAndGet() % 250 + 1) + ".";
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }
}
