package dev.viaduct.policy.eval;

import dev.viaduct.policy.model.Protocol;

/** The transport of a packet: the three NetworkPolicy protocols, or ICMP (which only port-less rules allow). */
public enum Transport {
    TCP(Protocol.TCP), UDP(Protocol.UDP), SCTP(Protocol.SCTP), ICMP(null);

    private final Protocol protocol;

    Transport(Protocol protocol) {
        this.protocol = protocol;
    }

    /** The NetworkPolicy protocol, or null for ICMP. */
    public Protocol protocol() {
        return protocol;
    }

    public static Transport of(Protocol p) {
        return valueOf(p.name());
    }
}
