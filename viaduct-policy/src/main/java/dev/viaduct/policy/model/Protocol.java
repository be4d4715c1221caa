package dev.viaduct.policy.model;

/** core/v1 Protocol as NetworkPolicyPort allows it; TCP when the field is absent. */
public enum Protocol {
    TCP, UDP, SCTP;

    public String lower() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
