package dev.viaduct.testsupport;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names for namespaces, links and other kernel objects that cannot collide between tests, between
 * concurrently running JVMs, or with anything that is not a test's.
 *
 * <p>Every name starts with {@link #PREFIX} followed by this JVM's pid in decimal and a per-JVM counter,
 * so a sweeper can tell which JVM made a leftover (see {@link Netns#sweepOrphans()}). Link names must fit
 * the kernel's IFNAMSIZ (15 characters plus NUL), so they are kept short.
 */
public final class UniqueNames {
    /** Prefix of everything tests create. Nothing else on a machine should start with it. */
    public static final String PREFIX = "vt";

    private static final String PID = Long.toString(ProcessHandle.current().pid());
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private UniqueNames() {
    }

    /** This JVM's part of every name: {@code vt<pid>}. */
    public static String jvmPrefix() {
        return PREFIX + PID;
    }

    /** A network namespace name: {@code vt<pid>n<counter>-<label>}. */
    public static String namespace(String label) {
        return jvmPrefix() + "n" + Integer.toString(COUNTER.incrementAndGet(), 36) + "-" + sanitize(label, 40);
    }

    /**
     * A link name of at most 15 characters: {@code vt<pid>l<counter>} plus as much of the label as fits.
     * Links created inside a test's namespace vanish with it; this is for the ones that cannot (root ns).
     */
    public static String link(String label) {
        String base = jvmPrefix() + "l" + Integer.toString(COUNTER.incrementAndGet(), 36);
        String rest = sanitize(label, Math.max(0, 15 - base.length()));
        return base + rest;
    }

    /** Extracts the pid encoded by {@link #jvmPrefix()} from a name, or -1 when the name is not ours. */
    static long pidOf(String name) {
        if (!name.startsWith(PREFIX)) {
            return -1;
        }
        int end = PREFIX.length();
        while (end < name.length() && Character.isDigit(name.charAt(end))) {
            end++;
        }
        if (end == PREFIX.length() || end == name.length() || (name.charAt(end) != 'n' && name.charAt(end) != 'l')) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length(), end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String sanitize(String label, int max) {
        StringBuilder sb = new StringBuilder();
        for (char c : label.toCharArray()) {
            if (sb.length() >= max) {
                break;
            }
            sb.append(Character.isLetterOrDigit(c) ? Character.toLowerCase(c) : '-');
        }
        return sb.toString();
    }
}
