/**
 * The only place that calls native code: libc through {@code java.lang.foreign} downcalls that capture
 * errno ({@link dev.viaduct.netlink.ffm.Libc}), a raw netlink socket ({@link dev.viaduct.netlink.ffm.NetlinkSocket})
 * and errno names ({@link dev.viaduct.netlink.ffm.Errno}). Knows bytes and file descriptors, not messages.
 * Public for the library's other packages; applications use {@code dev.viaduct.netlink}.
 */
package dev.viaduct.netlink.ffm;
