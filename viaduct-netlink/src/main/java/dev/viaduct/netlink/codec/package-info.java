/**
 * The netlink wire format, pure: no I/O, threads, clock or configuration (STYLE.md point 1). Message framing
 * ({@link dev.viaduct.netlink.codec.NetlinkHeader}, {@link dev.viaduct.netlink.codec.NetlinkMessage} with its
 * control messages and extended ACKs), attributes described once per table
 * ({@link dev.viaduct.netlink.codec.AttributeTable}, one generic length check in
 * {@link dev.viaduct.netlink.codec.Attributes#parse}), a writer for requests, and the kernel's constants
 * ({@link dev.viaduct.netlink.codec.Uapi}). Every malformed input ends in a
 * {@link dev.viaduct.netlink.codec.NetlinkDecodeException} naming the field. Public for the library's other
 * packages; applications use {@code dev.viaduct.netlink}.
 */
package dev.viaduct.netlink.codec;
