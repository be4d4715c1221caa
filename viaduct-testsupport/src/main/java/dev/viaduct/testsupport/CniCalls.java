package dev.viaduct.testsupport;

import java.util.HashMap;
import java.util.Map;

/** The environment and network configuration of a CNI call as a runtime makes it, for the CNI parser's and handler's tests. */
public final class CniCalls {
    /** A minimal valid network configuration. */
    public static final String GOOD_CONFIG = "{\"cniVersion\":\"1.1.0\",\"name\":\"viaduct\",\"type\":\"viaduct\"}";

    private CniCalls() {
    }

    /** An ADD's environment; {@code kv} pairs override it, a null value removes the variable. */
    public static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "abc123",
                "CNI_NETNS", "/run/netns/p1", "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin"));
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                m.remove(kv[i]);
            } else {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return m;
    }
}
