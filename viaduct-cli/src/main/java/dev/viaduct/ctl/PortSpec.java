package dev.viaduct.ctl;

import dev.viaduct.policy.model.Protocol;
import java.util.ArrayList;
import java.util.List;

/**
 * A port as the lab and ctl options write it: {@code 80/tcp}, optionally named ({@code serve-80-tcp=80/tcp},
 * a named container port a policy can refer to).
 *
 * @param name null when unnamed
 */
public record PortSpec(String name, int port, Protocol protocol) {
    /** {@code PORT/PROTO} or {@code NAME=PORT/PROTO}; {@code what} names the option in errors. */
    public static PortSpec parse(String what, String text) {
        String t = text.strip();
        String name = null;
        int eq = t.indexOf('=');
        if (eq >= 0) {
            name = t.substring(0, eq);
            t = t.substring(eq + 1);
            if (!name.matches("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?") || !name.matches(".*[a-z].*") || name.contains("--")) {
                throw new IllegalArgumentException(what + ": '" + name + "' is not a port name (IANA_SVC_NAME: at most 15 "
                        + "lower-case letters, digits and '-', at least one letter, no '--', not starting or ending with '-')");
            }
        }
        int slash = t.indexOf('/');
        Protocol protocol = slash < 0 ? null : Protocol.parse(t.substring(slash + 1).toUpperCase(java.util.Locale.ROOT));
        if (slash < 0 || protocol == null) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not PORT/PROTOCOL like 80/tcp (tcp, udp or sctp)");
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(0, slash));
        } catch (NumberFormatException e) {
            port = 0;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + ": '" + text + "': the port must be 1..65535");
        }
        return new PortSpec(name, port, protocol);
    }

    /** A comma-separated list. */
    public static List<PortSpec> parseList(String what, String text) {
        List<PortSpec> out = new ArrayList<>();
        for (String p : text.split(",")) {
            if (!p.isBlank()) {
                out.add(parse(what, p));
            }
        }
        return out;
    }

    /** {@code 80/tcp}. */
    public String text() {
        return port + "/" + protocol.lower();
    }
}
