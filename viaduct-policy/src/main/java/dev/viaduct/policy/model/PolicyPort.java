package dev.viaduct.policy.model;

/**
 * A NetworkPolicyPort: protocol (TCP by default), an optional port given as a number or as the name of a
 * container port, and an optional {@code endPort} making {@code port..endPort} (inclusive) a range. No port
 * means every port of the protocol.
 *
 * @param endPort 0 when absent; otherwise {@code >= port} and only with a numeric port
 */
public record PolicyPort(Protocol protocol, Port port, int endPort) {
    public PolicyPort {
        if (endPort != 0 && !(port instanceof Port.Number n && endPort >= n.value())) {
            throw new IllegalArgumentException("endPort needs a numeric port <= endPort");
        }
    }

    public static PolicyPort any(Protocol protocol) {
        return new PolicyPort(protocol, null, 0);
    }

    public static PolicyPort number(Protocol protocol, int port) {
        return new PolicyPort(protocol, new Port.Number(port), 0);
    }

    public static PolicyPort range(Protocol protocol, int port, int endPort) {
        return new PolicyPort(protocol, new Port.Number(port), endPort);
    }

    public static PolicyPort named(Protocol protocol, String name) {
        return new PolicyPort(protocol, new Port.Named(name), 0);
    }

    /** IntOrString: a port number, or a container port name (IANA_SVC_NAME). */
    public sealed interface Port {
        record Number(int value) implements Port {
        }

        record Named(String name) implements Port {
        }
    }

    /** The last port of a numeric port or range. */
    public int last() {
        return endPort != 0 ? endPort : ((Port.Number) port).value();
    }
}
