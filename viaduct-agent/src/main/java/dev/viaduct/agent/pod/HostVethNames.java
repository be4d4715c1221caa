package dev.viaduct.agent.pod;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Host-side veth names: {@code vdc} + the first 11 hex characters of SHA-1(handle). 14 characters fit
 * IFNAMSIZ; deterministic, so DEL can find the veth even when the agent lost its state.
 */
public final class HostVethNames {
    public static final String PREFIX = "vdc";

    private HostVethNames() {
    }

    public static String of(String handle) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-1").digest(handle.getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(h).substring(0, 11);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-1 is mandatory in every JDK", e);
        }
    }

    public static boolean isOurs(String ifname) {
        return ifname.length() == PREFIX.length() + 11 && ifname.startsWith(PREFIX)
                && ifname.substring(PREFIX.length()).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }
}
