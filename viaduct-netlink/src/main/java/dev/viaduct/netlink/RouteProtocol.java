package dev.viaduct.netlink;

/**
 * {@code rtm_protocol}: who installed a route (linux/rtnetlink.h RTPROT_*). The kernel does not interpret
 * values above RTPROT_STATIC; routing daemons use their own number to recognise their routes, and so does
 * Viaduct: it owns exactly the routes carrying {@link #VIADUCT} and never touches others.
 *
 * @param code 0..255
 */
public record RouteProtocol(int code) {
    public static final RouteProtocol UNSPEC = new RouteProtocol(0);
    public static final RouteProtocol REDIRECT = new RouteProtocol(1);
    /** Installed by the kernel (connected and local routes). */
    public static final RouteProtocol KERNEL = new RouteProtocol(2);
    /** {@code ip route add}'s default. */
    public static final RouteProtocol BOOT = new RouteProtocol(3);
    public static final RouteProtocol STATIC = new RouteProtocol(4);
    public static final RouteProtocol ZEBRA = new RouteProtocol(11);
    public static final RouteProtocol BIRD = new RouteProtocol(12);
    public static final RouteProtocol BGP = new RouteProtocol(186);
    /**
     * Viaduct's routes: 86 (0x56, ASCII 'V'). Unassigned in iproute2's {@code /etc/iproute2/rt_protos} and
     * distinct from BIRD (12), FRR/zebra (11, 186..), Calico/Felix and Flannel. To have {@code ip route}
     * print a name, install a file {@code /etc/iproute2/rt_protos.d/viaduct.conf} containing
     * {@code 86 viaduct}. Agents may configure another number; this is the default.
     */
    public static final RouteProtocol VIADUCT = new RouteProtocol(86);

    public RouteProtocol {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("route protocol " + code + " out of range 0..255");
        }
    }

    private static final RouteProtocol[] CANONICAL = new RouteProtocol[256];

    static {
        for (int i = 0; i < 256; i++) {
            CANONICAL[i] = new RouteProtocol(i);
        }
    }

    /** The value for {@code code} (0..255), without allocating. */
    public static RouteProtocol of(int code) {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("RouteProtocol code " + code + " out of range 0..255");
        }
        return CANONICAL[code];
    }

    @Override
    public String toString() {
        return switch (code) {
            case 0 -> "unspec";
            case 1 -> "redirect";
            case 2 -> "kernel";
            case 3 -> "boot";
            case 4 -> "static";
            case 11 -> "zebra";
            case 12 -> "bird";
            case 86 -> "viaduct";
            case 186 -> "bgp";
            default -> Integer.toString(code);
        };
    }
}
