package dev.viaduct.netlink;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes sysctls inside a network namespace ({@code ip netns exec X sysctl -w key=value}).
 *
 * <p>{@code /proc/sys/net} shows the namespace of the thread that opens the file (net/sysctl_net.c looks
 * up {@code current->nsproxy->net_ns}), so each access runs on the library's namespace-switcher thread
 * after setns; one switch serves all keys of {@link #setAll}. Keys use dots or slashes as separators:
 * {@code net.ipv4.ip_forward} or {@code net/ipv4/conf/vdc1234567890a/proxy_arp}; a device name containing a
 * dot needs the slash form. Only {@code net.*} keys are per namespace; others change the whole host and are
 * refused.
 *
 * <p>Per-device IPv4 settings and the neighbour proxy delay can also be set with netlink, without the
 * thread switch: {@link LinkUpdate#withIpv4Conf} and {@link Rtnl#setProxyDelay}.
 *
 * <p>Concurrency: stateless; safe from any thread.
 */
public final class Sysctl {
    private Sysctl() {
    }

    /** The current value of {@code key} in {@code ns}, without the trailing newline. */
    public static String get(NetNamespace ns, String key) {
        String path = path(key);
        return NamespaceSwitcher.instance().call(ns.fd(), () -> read(path, key));
    }

    /** Sets {@code key} to {@code value} in {@code ns}. */
    public static void set(NetNamespace ns, String key, String value) {
        setAll(ns, Map.of(key, value));
    }

    /**
     * Sets {@code key} to {@code value} in {@code ns} unless it already has that value; returns whether it wrote.
     * A container that is not privileged sees /proc/sys read-only (the OCI runtime's default readonlyPaths), so a
     * setting the node already has must not be written again; one it lacks fails naming the key, to be set on
     * the node ({@code sysctl -w}).
     */
    public static boolean ensure(NetNamespace ns, String key, String value) {
        String path = path(key);
        if (value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("sysctl " + key + ": value contains a newline");
        }
        return NamespaceSwitcher.instance().call(ns.fd(), () -> {
            if (read(path, key).equals(value)) {
                return false;
            }
            write(path, key, value);
            return true;
        });
    }

    /** Sets every key in {@code values} (in iteration order) in {@code ns}, with one namespace switch. */
    public static void setAll(NetNamespace ns, Map<String, String> values) {
        Map<String, String> paths = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("sysctl " + k + ": value contains a newline");
            }
            paths.put(k, path(k));
        });
        NamespaceSwitcher.instance().call(ns.fd(), () -> {
            values.forEach((k, v) -> write(paths.get(k), k, v));
            return null;
        });
    }

    static String path(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty sysctl key");
        }
        String rel = key.indexOf('/') >= 0 ? key : key.replace('.', '/');
        for (String part : rel.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("sysctl key '" + key + "' has an empty or relative component");
            }
        }
        if (!rel.startsWith("net/")) {
            throw new IllegalArgumentException("sysctl key '" + key + "' is not under net.*: only those belong to a network namespace");
        }
        return "/proc/sys/" + rel;
    }

    private static String read(String path, String key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd = open(arena, st, path, Libc.O_RDONLY, key);
            try {
                MemorySegment buf = arena.allocate(4096);
                long n = Libc.read(st, fd, buf, buf.byteSize());
                String s = new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
                return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
            } catch (ErrnoException e) {
                throw NetlinkException.of("sysctl read " + key, e.errno(), null, e);
            } finally {
                Libc.close(st, fd);
            }
        }
    }

    private static void write(String path, String key, String value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd = open(arena, st, path, Libc.O_WRONLY, key);
            try {
                byte[] b = (value + "\n").getBytes(StandardCharsets.UTF_8);
                MemorySegment buf = arena.allocate(b.length);
                MemorySegment.copy(b, 0, buf, JAVA_BYTE, 0, b.length);
                Libc.write(st, fd, buf, b.length);
            } catch (ErrnoException e) {
                throw NetlinkException.of("sysctl -w " + key + "=" + value, e.errno(), null, e);
            } finally {
                Libc.close(st, fd);
            }
        }
    }

    private static int open(Arena arena, MemorySegment st, String path, int flags, String key) {
        try {
            return Libc.open(arena, st, path, flags | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            throw NetlinkException.of("sysctl " + key + " (" + path + ")", e.errno(), null, e);
        }
    }
}
