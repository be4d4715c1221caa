/**
 * The library's native code: a raw netlink socket ({@link dev.viaduct.netlink.ffm.NetlinkSocket}) on viaduct-sys's
 * libc binding ({@code dev.viaduct.sys.libc}), which captures errno and throws its {@code ErrnoException}.
 * Knows bytes and file descriptors, not messages.
 * Public for the library's other packages; applications use {@code dev.viaduct.netlink}.
 */
package dev.viaduct.netlink.ffm;
