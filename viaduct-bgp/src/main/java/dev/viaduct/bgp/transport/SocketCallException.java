package dev.viaduct.bgp.transport;

import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.ErrnoIOException;

/**
 * A socket call failed: names the call and its subject and carries the {@code errno}, for example
 * {@code connect(10.0.0.2:179 from 10.0.0.1): Connection refused (errno 111)} or
 * {@code setsockopt(TCP_MD5SIG for peer 10.0.0.2 on 10.0.0.1:179): Invalid argument (errno 22)}.
 */
public final class SocketCallException extends ErrnoIOException {
    private static final long serialVersionUID = 1L;

    SocketCallException(String operation, int errno) {
        super(operation, errno, null);
    }

    private SocketCallException(String operation, ErrnoException cause) {
        super(operation, cause.errno(), cause);
    }

    /** {@code cause}'s errno, for {@code operation} (which says what the call was for). */
    static SocketCallException of(String operation, ErrnoException cause) {
        return new SocketCallException(operation, cause);
    }
}
