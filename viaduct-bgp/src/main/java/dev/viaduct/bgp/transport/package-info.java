/**
 * The Linux BGP transport: TCP over FFM with TCP MD5 signatures (RFC 2385, Linux {@code TCP_MD5SIG}), which
 * {@code java.net} sockets cannot set. {@link dev.viaduct.bgp.transport.TcpMd5Transport} is the only public
 * class; the agent and the standalone speaker ({@code viaduct bgp}) hand it to the speaker as its
 * {@link dev.viaduct.bgp.speaker.Transport}. The codec, FSM and RIB packages stay free of I/O.
 *
 * <p>How data flows: the speaker's virtual threads call the blocking {@code Transport} API; underneath, every
 * socket is non-blocking (socket, bind, setsockopt, close from viaduct-sys's {@code Libc}; connect, listen,
 * accept4, recv, send, shutdown and epoll bound in {@code Syscalls} on the same errno capture). A call that
 * would block arms a one-shot epoll registration ({@code Poller}: one platform thread per direction, JVM-wide) and parks on a future; the
 * poller completes it when the kernel reports readiness, and the call is retried. {@code NativeSocket} makes
 * close safe against concurrent use (one lock per fd; close wakes every waiter, then shutdown(2) and close(2)).
 * {@code TcpConnection} keeps no buffer while idle: it sends straight from the caller's array and borrows a native
 * read buffer ({@code ReadBuffers}, JVM-wide) only while it holds unread bytes.
 * {@code Md5Key} validates a password (1..80 bytes) and encodes {@code struct tcp_md5sig}.
 */
package dev.viaduct.bgp.transport;
