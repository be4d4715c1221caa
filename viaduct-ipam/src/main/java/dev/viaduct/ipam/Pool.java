package dev.viaduct.ipam;

import dev.viaduct.sys.net.IpPrefix;
import java.util.List;
import java.util.Objects;

/**
 * An IP pool: the range pods get addresses from, cut into blocks of {@code blockSize} (default /26 for
 * IPv4, /122 for IPv6; Calico's limits: /20../32 and /116../128). A {@code disabled} pool hands out no new
 * addresses (existing ones stay). {@code nodeSelector} limits which nodes may claim blocks or borrow from it.
 * {@code reserved} ranges are never handed out, automatically or statically. {@code vxlanMode},
 * {@code ipipMode} and {@code natOutgoing} are for the overlays and NAT; IPAM only stores them.
 */
public record Pool(IpPrefix cidr, int blockSize, boolean disabled, String nodeSelector, EncapMode vxlanMode,
        EncapMode ipipMode, boolean natOutgoing, List<IpPrefix> reserved) {

    public Pool {
        Objects.requireNonNull(cidr, "cidr");
        if (!cidr.isNetwork()) {
            throw new IllegalArgumentException("pool " + cidr + ": host bits are set (did you mean " + cidr.network() + "?)");
        }
        nodeSelector = nodeSelector == null || nodeSelector.isBlank() ? "all()" : nodeSelector.strip();
        NodeSelector.parse(nodeSelector);
        vxlanMode = vxlanMode == null ? EncapMode.NEVER : vxlanMode;
        ipipMode = ipipMode == null ? EncapMode.NEVER : ipipMode;
        reserved = reserved == null ? List.of() : List.copyOf(reserved);
        int min = cidr.isIpv4() ? 20 : 116;
        int max = cidr.isIpv4() ? 32 : 128;
        if (blockSize < min || blockSize > max) {
            throw new IllegalArgumentException("pool " + cidr + ": blockSize " + blockSize + " out of range " + min + ".." + max);
        }
        if (blockSize < cidr.length()) {
            throw new IllegalArgumentException("pool " + cidr + ": blockSize /" + blockSize + " is larger than the pool");
        }
        for (int i = 0; i < reserved.size(); i++) {
            if (!reserved.get(i).isNetwork()) {
                throw new IllegalArgumentException("pool " + cidr + ": reserved[" + i + "] " + reserved.get(i)
                        + ": host bits are set (did you mean " + reserved.get(i).network() + "?)");
            }
            if (!cidr.contains(reserved.get(i))) {
                throw new IllegalArgumentException("pool " + cidr + ": reserved[" + i + "] " + reserved.get(i) + " is outside the pool");
            }
        }
        if (vxlanMode != EncapMode.NEVER && ipipMode != EncapMode.NEVER) {
            throw new IllegalArgumentException("pool " + cidr + ": vxlanMode and ipipMode cannot both be enabled");
        }
    }

    /** A pool with defaults: /26 or /122 blocks, enabled, all nodes, no overlay, no NAT, nothing reserved. */
    public static Pool of(String cidr) {
        IpPrefix c = IpPrefix.parseNetwork(cidr);
        return new Pool(c, defaultBlockSize(c), false, null, null, null, false, List.of());
    }

    public static int defaultBlockSize(IpPrefix c) {
        return c.isIpv4() ? Math.max(26, c.length()) : Math.max(122, c.length());
    }

    public Pool withBlockSize(int size) {
        return new Pool(cidr, size, disabled, nodeSelector, vxlanMode, ipipMode, natOutgoing, reserved);
    }

    public Pool withDisabled(boolean d) {
        return new Pool(cidr, blockSize, d, nodeSelector, vxlanMode, ipipMode, natOutgoing, reserved);
    }

    public Pool withNodeSelector(String s) {
        return new Pool(cidr, blockSize, disabled, s, vxlanMode, ipipMode, natOutgoing, reserved);
    }

    public Pool withReserved(List<IpPrefix> r) {
        return new Pool(cidr, blockSize, disabled, nodeSelector, vxlanMode, ipipMode, natOutgoing, r);
    }

    public Pool withOverlay(EncapMode vxlan, EncapMode ipip, boolean nat) {
        return new Pool(cidr, blockSize, disabled, nodeSelector, vxlan, ipip, nat, reserved);
    }

    public boolean isIpv4() {
        return cidr.isIpv4();
    }

    /** The parsed node selector. */
    public NodeSelector selector() {
        return NodeSelector.parse(nodeSelector);
    }

    /** Whether {@code a} falls in a reserved range. */
    public boolean isReserved(java.net.InetAddress a) {
        for (IpPrefix r : reserved) {
            if (r.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** The block of this pool that contains {@code a}. */
    public IpPrefix blockOf(java.net.InetAddress a) {
        return IpPrefix.containing(a, blockSize);
    }
}
