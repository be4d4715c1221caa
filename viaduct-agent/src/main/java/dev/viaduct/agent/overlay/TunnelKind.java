package dev.viaduct.agent.overlay;

/**
 * The two encapsulations, with their device names and per-packet overhead.
 *
 * <p>Overheads (what the outer headers take from the uplink MTU): VXLAN = outer IP + UDP 8 + VXLAN 8 +
 * inner Ethernet 14 (RFC 7348 §5), i.e. 50 bytes over IPv4 and 70 over IPv6; IPIP = one outer IPv4 header,
 * 20 bytes (RFC 2003 §3), and 40 for an IPv6 outer header (ip6tnl, RFC 2473).
 */
public enum TunnelKind {
    VXLAN("vxlan.viaduct", 50, 70),
    IPIP("tunl0", 20, 40);

    private final String device;
    private final int overheadV4;
    private final int overheadV6;

    TunnelKind(String device, int overheadV4, int overheadV6) {
        this.device = device;
        this.overheadV4 = overheadV4;
        this.overheadV6 = overheadV6;
    }

    /**
     * The device name. {@code tunl0} is the name the kernel gives the ipip module's catch-all fallback device
     * (net/ipv4/ipip.c), which Calico uses as well; {@code vxlan.viaduct} is ours alone.
     */
    public String device() {
        return device;
    }

    /** Bytes the encapsulation adds, for an IPv4 or IPv6 outer header. */
    public int overhead(boolean ipv6Underlay) {
        return ipv6Underlay ? overheadV6 : overheadV4;
    }

    /** The IPAM handle of a node's tunnel address (Calico's {@code vxlan-tunnel-addr-<node>} naming). */
    public String addressHandle(String node) {
        return (this == VXLAN ? "vxlan" : "ipip") + "-tunnel-addr-" + node;
    }

    /** Whether an IPAM handle is a tunnel address (not a pod's): such handles never become pod routes. */
    public static boolean isTunnelHandle(String handle) {
        return handle.startsWith("vxlan-tunnel-addr-") || handle.startsWith("ipip-tunnel-addr-");
    }

    public String text() {
        return this == VXLAN ? "vxlan" : "ipip";
    }
}
