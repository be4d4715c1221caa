package dev.viaduct.testsupport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * Detects kernel features a test needs and skips the test with a message saying which one is missing. This
 * machine's kernel, for example, lacks ipip, gre, sit, dummy and vrf: tests for them must be skipped visibly,
 * never pass silently.
 */
public final class KernelFeatures {
    private static final Map<String, String> LINK_KIND_ERRORS = new ConcurrentHashMap<>();

    private KernelFeatures() {
    }

    /**
     * Skips the calling test unless the kernel can create links of {@code kind} (probed once per JVM in a
     * throw-away namespace with {@code ip link add ... type kind}).
     */
    public static void assumeLinkKind(String kind) {
        String error = linkKindError(kind);
        Assumptions.assumeTrue(error.isEmpty(),
                () -> "SKIPPED: this kernel has no '" + kind + "' link support (" + error
                        + "); the code path is real but cannot be exercised here");
    }

    /** Whether the kernel can create links of {@code kind}. */
    public static boolean hasLinkKind(String kind) {
        return linkKindError(kind).isEmpty();
    }

    private static String linkKindError(String kind) {
        Netns.requireRoot();
        return LINK_KIND_ERRORS.computeIfAbsent(kind, k -> {
            try (Netns probe = Netns.perTest()) {
                String ns = probe.create("probe-" + k);
                Cmd.Result r = probe.exec(ns, "ip", "link", "add", "name", "probe0", "type", k);
                return r.ok() ? "" : "ip link add type " + k + ": " + r.stderr().strip();
            }
        });
    }
}
