package dev.viaduct.policy.model;

import java.util.List;
import java.util.Locale;

/** core/v1 Protocol as NetworkPolicyPort allows it; TCP when the field is absent. */
public enum Protocol {
    TCP, UDP, SCTP;

    /** The protocol named exactly as the API spells it, or null. */
    public static Protocol parse(String text) {
        return switch (text) {
            case "TCP" -> TCP;
            case "UDP" -> UDP;
            case "SCTP" -> SCTP;
            default -> null;
        };
    }

    public static List<String> names() {
        return List.of("TCP", "UDP", "SCTP");
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
