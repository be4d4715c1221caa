package dev.viaduct.agent.overlay;

import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * What the overlay controller asks of the node's kernel. Implemented over viaduct-netlink
 * ({@link NetlinkOverlayKernel}) and by a fake in tests. Every method throws {@link OverlayException} with a
 * message naming the operation when the kernel refuses.
 */
public interface OverlayKernel {
    /** The device called {@code name}, if any. */
    Optional<TunnelDevice> device(String name) throws OverlayException;

    /**
     * Creates {@code ip link add <name> address <mac> mtu <mtu> up type vxlan id <vni> local <local> dstport
     * <port> nolearning}.
     */
    void createVxlan(String name, int vni, InetAddress local, int port, HardwareAddress mac, int mtu) throws OverlayException;

    /** Creates (or adopts the ipip module's fallback) {@code tunl0}-style catch-all ipip device, up. */
    void createIpip(String name, int mtu) throws OverlayException;

    void deleteDevice(String name) throws OverlayException;

    /** {@code ip link set <name> mtu <mtu> up|down}. */
    void configure(String name, int mtu, boolean up) throws OverlayException;

    void addAddress(String name, IpPrefix address) throws OverlayException;

    void deleteAddress(String name, IpPrefix address) throws OverlayException;

    /** The permanent neighbour and FDB entries on the device (other entries are the kernel's, never touched). */
    List<VxlanEntry> entries(String name) throws OverlayException;

    /** Adds or replaces entries, then deletes others, in one batch; per-entry failures are returned as text. */
    List<String> applyEntries(String name, List<VxlanEntry> replace, List<VxlanEntry> delete) throws OverlayException;

    /** Something about our devices or their entries changed behind our back (link/neighbour events). */
    AutoCloseable subscribe(Runnable changed) throws OverlayException;

    /** Thrown when the kernel refuses a request; {@code unsupported} when the link kind does not exist. */
    final class OverlayException extends Exception {
        private final boolean unsupported;

        public OverlayException(String message, Throwable cause, boolean unsupported) {
            super(message, cause);
            this.unsupported = unsupported;
        }

        public OverlayException(String message) {
            this(message, null, false);
        }

        /** The kernel does not know the link kind (e.g. no ipip module). */
        public boolean unsupported() {
            return unsupported;
        }
    }
}
