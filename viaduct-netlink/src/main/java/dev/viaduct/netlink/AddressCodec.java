package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Attributes;
import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * {@link Address} to and from {@code struct ifaddrmsg} {family, prefixlen, flags, scope: u8; index: u32}
 * + IFA_* (linux/if_addr.h). Pure.
 *
 * <p>The header comment of if_addr.h applies: IFA_ADDRESS is the prefix (or, on point-to-point links, the
 * peer) address and IFA_LOCAL the local one. IPv4 always carries IFA_LOCAL; IPv6 carries IFA_ADDRESS alone
 * unless there is a peer. Flags go in the u32 IFA_FLAGS (which supersedes the u8 ifa_flags) as well as in
 * ifa_flags for old kernels.
 */
final class AddressCodec {
    private AddressCodec() {
    }

    static void encodeBody(MessageWriter w, Address a) {
        w.u8(a.family().code()).u8(a.address().length()).u8(a.flags() & 0xFF).u8(a.scope().code()).u32(a.ifindex());
        InetAddress local = a.address().address();
        if (a.family() == AddressFamily.INET) {
            w.attrAddress(Uapi.IFA_LOCAL, local);
            w.attrAddress(Uapi.IFA_ADDRESS, a.peer() != null ? a.peer() : local);
        } else if (a.peer() != null) {
            w.attrAddress(Uapi.IFA_LOCAL, local);
            w.attrAddress(Uapi.IFA_ADDRESS, a.peer());
        } else {
            w.attrAddress(Uapi.IFA_ADDRESS, local);
        }
        w.attrU32(Uapi.IFA_FLAGS, a.flags());
        if (a.broadcast() != null) {
            w.attrAddress(Uapi.IFA_BROADCAST, a.broadcast());
        }
        if (a.label() != null) {
            w.attrString(Uapi.IFA_LABEL, a.label());
        }
    }

    static Address decode(ByteBuffer body, String context) {
        if (body.limit() < Uapi.IFADDRMSG_SIZE) {
            throw new NetlinkDecodeException(context + ": " + body.limit() + " bytes, struct ifaddrmsg needs " + Uapi.IFADDRMSG_SIZE);
        }
        int family = Byte.toUnsignedInt(body.get(0));
        int prefixLen = Byte.toUnsignedInt(body.get(1));
        int flags = Byte.toUnsignedInt(body.get(2));
        int scope = Byte.toUnsignedInt(body.get(3));
        int index = body.getInt(4);
        if (family != Uapi.AF_INET && family != Uapi.AF_INET6) {
            throw new NetlinkDecodeException(context + ": ifa_family " + family + " is neither AF_INET nor AF_INET6");
        }
        Attributes a = Attributes.parse(body, Uapi.IFADDRMSG_SIZE, body.limit(), Tables.ADDRESS, context);
        try {
            InetAddress local;
            InetAddress peer = null;
            if (a.has(Uapi.IFA_LOCAL)) {
                local = a.address(Uapi.IFA_LOCAL, family);
                if (a.has(Uapi.IFA_ADDRESS)) {
                    InetAddress addr = a.address(Uapi.IFA_ADDRESS, family);
                    peer = addr.equals(local) ? null : addr;
                }
            } else if (a.has(Uapi.IFA_ADDRESS)) {
                local = a.address(Uapi.IFA_ADDRESS, family);
            } else {
                throw new NetlinkDecodeException(context + ": neither IFA_LOCAL nor IFA_ADDRESS present");
            }
            if (a.has(Uapi.IFA_FLAGS)) {
                flags = a.u32(Uapi.IFA_FLAGS);
            }
            InetAddress broadcast = a.has(Uapi.IFA_BROADCAST) ? a.address(Uapi.IFA_BROADCAST, family) : null;
            String label = a.has(Uapi.IFA_LABEL) ? a.string(Uapi.IFA_LABEL) : null;
            return new Address(IpPrefix.of(local, prefixLen), index, RouteScope.of(scope), flags, peer,
                    family == Uapi.AF_INET ? broadcast : null, label == null || label.isEmpty() ? null : label);
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException(context + ": " + e.getMessage());
        }
    }
}
