/**
 * The agent's BGP transport: TCP over FFM with TCP MD5 signatures (RFC 2385, Linux {@code TCP_MD5SIG}), which
 * {@code java.net} sockets cannot set. {@link dev.viaduct.agent.bgp.transport.TcpMd5Transport} is the only
 * public class; the agent hands it to {@link dev.viaduct.agent.bgp.BgpMode}, which gives it to the speaker.
 *
 * <p>How data flows: the speaker's virtual threads call the blocking {@code Transport} API; underneath, every
 * socket is non-blocking ({@code Syscalls}: socket, bind, connect, listen, accept4, recv, send, shutdown,
 * close, setsockopt, epoll, with errno captured per call). A call that would block arms a one-shot epoll
 * registration ({@code Poller}: one platform thread per direction, JVM-wide) and parks on a future; the
 * poller completes it when the kernel reports readiness, and the call is retried. {@code NativeSocket} makes
 * close safe against concurrent use (one lock per fd; close wakes every waiter, then shutdown(2) and close(2)).
 * {@code TcpConnection} keeps no buffer while idle: it sends straight from the caller's array and borrows a native
 * read buffer ({@code ReadBuffers}, JVM-wide) only while it holds unread bytes.
 * {@code Md5Key} validates a password (1..80 bytes) and encodes {@code struct tcp_md5sig}.
 */
package dev.viaduct.agent.bgp.transport;
