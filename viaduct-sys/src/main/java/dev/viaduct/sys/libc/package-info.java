/**
 * The one FFM binding of libc. {@link dev.viaduct.sys.libc.Libc} links every downcall with
 * {@code Linker.Option.captureCallState("errno")} (errno read later from Java would be whatever the JVM did
 * in between) and holds the calls and constants more than one module needs; a module binds a call that is
 * only its own (netlink's send/recvfrom, BFD's recvmsg with ancillary data, the BGP transport's epoll and
 * accept4) with {@link dev.viaduct.sys.libc.Libc#downcall} so it gets the same errno capture.
 * {@link dev.viaduct.sys.libc.ErrnoException} is the one failure type (call, errno, strerror text),
 * {@link dev.viaduct.sys.libc.Errno} names errno values, and {@link dev.viaduct.sys.libc.SockAddr} encodes
 * {@code sockaddr_in}/{@code sockaddr_in6}.
 */
package dev.viaduct.sys.libc;
