package dev.viaduct.bfd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The libc calls only the BFD UDP transport makes, bound on viaduct-sys's {@link Libc} (same errno capture):
 * sendto, recvmsg with ancillary data and if_nametoindex, and the IP-level options GTSM needs (RFC 5881 §5).
 * {@code DatagramChannel} cannot set IP_TTL on unicast or report the received TTL, hence FFM. The shared calls
 * (socket, bind, setsockopt, poll, eventfd, setns) are {@link Libc}'s; this class turns their
 * {@link ErrnoException} into the library's {@link BfdSocketException} where a caller needs the checked type.
 *
 * <p>Constants are the Linux x86-64/arm64 values from the headers named beside them. Stateless and thread-safe
 * given one call-state segment per concurrent caller.
 */
final class UdpCalls {
    // <netinet/in.h>, <linux/in.h>, <linux/in6.h>
    static final int IP_TOS = 1;
    static final int IP_TTL = 2;
    static final int IP_RECVTTL = 12;
    static final int IPV6_UNICAST_HOPS = 16;
    static final int IPV6_V6ONLY = 26;
    static final int IPV6_RECVHOPLIMIT = 51;
    static final int IPV6_HOPLIMIT = 52;
    static final int IPV6_TCLASS = 67;

    private static final MethodHandle SENDTO = Libc.downcall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = Libc.downcall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = Libc.downcall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private UdpCalls() {
    }

    /** sendto(2) of {@code len} bytes of {@code buf} to the sockaddr {@code to} (its whole size is the length). */
    static long sendto(MemorySegment st, int fd, MemorySegment buf, long len, int flags, MemorySegment to, String what)
            throws BfdSocketException {
        long rc;
        try {
            rc = (long) SENDTO.invokeExact(st, fd, buf, len, flags, to, (int) to.byteSize());
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc < 0) {
            throw new BfdSocketException("sendto(" + what + ")", Libc.errno(st));
        }
        return rc;
    }

    /** recvmsg(2); returns the byte count or -1 with errno in {@code st} (EAGAIN is routine, not thrown). */
    static long recvmsg(MemorySegment st, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) RECVMSG.invokeExact(st, fd, msghdr, flags);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** if_nametoindex(3); throws (ENODEV) when there is no such interface in the calling thread's namespace. */
    static int ifNameToIndex(Arena arena, MemorySegment st, String name) throws BfdSocketException {
        int rc;
        try {
            rc = (int) IF_NAMETOINDEX.invokeExact(st, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc == 0) {
            throw new BfdSocketException("if_nametoindex(" + name + ")", Libc.errno(st));
        }
        return rc;
    }

    /** setsockopt(2) of an int option, failing as a {@link BfdSocketException} that says what it was for. */
    static void setInt(MemorySegment st, int fd, int level, int option, int value, String what) throws BfdSocketException {
        try {
            Libc.setsockopt(st, fd, level, option, value);
        } catch (ErrnoException e) {
            throw BfdSocketException.of("setsockopt(" + what + ")", e);
        }
    }

    /** Moves the calling OS thread (only) into the network namespace at {@code path}. */
    static void enterNamespace(String path) throws BfdSocketException {
        try {
            Libc.joinNetworkNamespace(path);
        } catch (ErrnoException e) {
            throw BfdSocketException.of("setns(" + path + ")", e);
        }
    }

    /** close(2), logging instead of throwing: nothing a caller could do about a descriptor that will not close. */
    static void closeQuietly(MemorySegment st, int fd) {
        try {
            Libc.close(st, fd);
        } catch (ErrnoException e) {
            System.getLogger(UdpCalls.class.getName()).log(System.Logger.Level.WARNING,
                    "bfd close fd=" + fd + " errno=" + e.errno());
        }
    }
}
