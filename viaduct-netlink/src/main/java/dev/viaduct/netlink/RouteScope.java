package dev.viaduct.netlink;

/**
 * {@code rtm_scope} / {@code ifa_scope}: how far a route or address reaches (linux/rtnetlink.h
 * RT_SCOPE_*). Any 0..255 value is legal; the named ones are those the kernel and {@code ip} use.
 *
 * @param code 0..255
 */
public record RouteScope(int code) {
    /** Global: a route via a gateway, a normal address. */
    public static final RouteScope UNIVERSE = new RouteScope(0);
    public static final RouteScope SITE = new RouteScope(200);
    /** Directly attached: {@code dev X scope link}, no gateway. */
    public static final RouteScope LINK = new RouteScope(253);
    /** This host: local routes, loopback addresses. */
    public static final RouteScope HOST = new RouteScope(254);
    /** Matches any scope in a delete request. */
    public static final RouteScope NOWHERE = new RouteScope(255);

    public RouteScope {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("scope " + code + " out of range 0..255");
        }
    }

    private static final RouteScope[] CANONICAL = new RouteScope[256];

    static {
        for (int i = 0; i < 256; i++) {
            CANONICAL[i] = new RouteScope(i);
        }
    }

    /** The value for {@code code} (0..255), without allocating. */
    public static RouteScope of(int code) {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("RouteScope code " + code + " out of range 0..255");
        }
        return CANONICAL[code];
    }

    @Override
    public String toString() {
        return switch (code) {
            case 0 -> "global";
            case 200 -> "site";
            case 253 -> "link";
            case 254 -> "host";
            case 255 -> "nowhere";
            default -> Integer.toString(code);
        };
    }
}
