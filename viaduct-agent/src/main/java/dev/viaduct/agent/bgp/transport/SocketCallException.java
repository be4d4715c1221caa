package dev.viaduct.agent.bgp.transport;

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
        super(operation + ": " + Syscalls.strerror(errno) + " (errno " + errno + ")");
        this.operation = operation;
        this.errno = errno;
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
