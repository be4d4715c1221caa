package dev.viaduct.sys.libc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * errno values Viaduct reacts to (asm-generic/errno-base.h and errno.h, which x86-64 and arm64 use), and
 * their symbolic names and messages. Names and messages come from glibc's {@code strerrorname_np} and
 * {@code strerrordesc_np} (glibc 2.32+; both return static strings, so unlike strerror(3) they are
 * thread-safe), falling back to {@code "errno N"} where glibc lacks them.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int EBADMSG = 74;
    public static final int EMSGSIZE = 90;
    public static final int ENOPROTOOPT = 92;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;

    private static final MethodHandle NAME = Libc.plainDowncall("strerrorname_np",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle DESC = Libc.plainDowncall("strerrordesc_np",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Errno() {
    }

    /** Symbolic name, e.g. {@code "EEXIST"}. */
    public static String name(int errno) {
        return call(NAME, errno).orElse("errno " + errno);
    }

    /** Message as strerror(3) gives it, e.g. {@code "File exists"}. */
    public static String describe(int errno) {
        return call(DESC, errno).orElse("errno " + errno);
    }

    @SuppressWarnings("restricted") // the returned char* points at a static string table; 256 bytes bound the read
    private static Optional<String> call(MethodHandle h, int errno) {
        if (h == null) {
            return Optional.empty();
        }
        try {
            MemorySegment p = (MemorySegment) h.invokeExact(errno);
            if (p.equals(MemorySegment.NULL)) {
                return Optional.empty();
            }
            return Optional.of(p.reinterpret(256).getString(0));
        } catch (Throwable t) {
            return Optional.empty();
        }
    }
}
