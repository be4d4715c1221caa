package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Uapi;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What every new link gets, whatever its kind: a name, optionally an MTU, a MAC, IFF_UP at creation (saving a
 * separate "set up" request) and a namespace to create it in directly (IFLA_NET_NS_FD) rather than create
 * and move it.
 *
 * @param name      IFLA_IFNAME, 1..15 bytes, no '/', ':' or whitespace (dev_valid_name)
 * @param mtu       IFLA_MTU, or 0 for the kind's default
 * @param address   IFLA_ADDRESS, or null for a random one
 * @param up        create with IFF_UP set
 * @param namespace create in this namespace (the handle must stay open until the request is done), or null for
 *                  the socket's own
 */
public record LinkSettings(String name, int mtu, HardwareAddress address, boolean up, NetNamespace namespace) {
    public LinkSettings {
        validateName(name);
        if (mtu < 0) {
            throw new IllegalArgumentException("MTU " + mtu + " of " + name + " is negative");
        }
    }

    public static LinkSettings named(String name) {
        return new LinkSettings(name, 0, null, false, null);
    }

    public LinkSettings withMtu(int m) {
        return new LinkSettings(name, m, address, up, namespace);
    }

    public LinkSettings withAddress(HardwareAddress a) {
        return new LinkSettings(name, mtu, a, up, namespace);
    }

    /** Created administratively up (IFF_UP) or not. */
    public LinkSettings withUp(boolean u) {
        return new LinkSettings(name, mtu, address, u, namespace);
    }

    public LinkSettings inNamespace(NetNamespace ns) {
        return new LinkSettings(name, mtu, address, up, ns);
    }

    /** The kernel's dev_valid_name rules, checked here so the error names the field. */
    static void validateName(String name) {
        Objects.requireNonNull(name, "link name");
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes >= Uapi.IFNAMSIZ) {
            throw new IllegalArgumentException("link name '" + name + "' must have 1.." + (Uapi.IFNAMSIZ - 1) + " bytes");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("link name '" + name + "' is not allowed");
        }
        for (char c : name.toCharArray()) {
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c == 0) {
                throw new IllegalArgumentException("link name '" + name + "' contains '" + c + "'");
            }
        }
    }
}
