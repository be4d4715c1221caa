package dev.viaduct.ipam;

/**
 * A pool's overlay setting (vxlanMode, ipipMode), as Calico spells it. IPAM stores it and does not interpret
 * it; the agent's overlays (issue 9) do.
 */
public enum EncapMode {
    /** Never encapsulate. */
    NEVER("Never"),
    /** Encapsulate only towards nodes in another subnet. */
    CROSS_SUBNET("CrossSubnet"),
    /** Always encapsulate. */
    ALWAYS("Always");

    private final String text;

    EncapMode(String text) {
        this.text = text;
    }

    /** The name in JSON and config ({@code Never}, {@code CrossSubnet}, {@code Always}). */
    public String text() {
        return text;
    }

    /** Parses the JSON/config name; null is {@link #NEVER}. */
    public static EncapMode parse(String field, String s) {
        if (s == null) {
            return NEVER;
        }
        for (EncapMode m : values()) {
            if (m.text.equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException(field + ": '" + s + "' is not one of Never, CrossSubnet, Always");
    }
}
