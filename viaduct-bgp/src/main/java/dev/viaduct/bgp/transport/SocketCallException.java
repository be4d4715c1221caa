package dev.viaduct.bgp.transport;

import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import java.io.IOException;

/**
 * A socket call failed: names the call and its subject and carries the {@code errno}, for example
 * {@code connect(10.0.0.2:179 from 10.0.0.1): Connection refused (errno 111)} or
 * {@code setsockopt(TCP_MD5SIG for peer 10.0.0.2 on 10.0.0.1:179): Invalid argument (errno 22)}.
 */
public final class SocketCallException extends IOException {
    private final String operation;
    private final int errno;

    SocketCallException(String operation, int errno) {
        this(operation, errno, null);
    }

    private SocketCallException(String operation, int errno, ErrnoException cause) {
        super(operation + ": " + Errno.describe(errno) + " (errno " + errno + ")", cause);
        this.operation = operation;
        this.errno = errno;
    }

    /** {@code cause}'s errno, for {@code operation} (which says what the call was for). */
    static SocketCallException of(String operation, ErrnoException cause) {
        return new SocketCallException(operation, cause.errno(), cause);
    }

    /** The failed call and its subject, e.g. {@code bind(10.0.0.1:179)}. */
    public String operation() {
        return operation;
    }

    /** The Linux errno value. */
    public int errno() {
        return errno;
    }
}
