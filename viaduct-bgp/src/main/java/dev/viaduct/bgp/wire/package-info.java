/**
 * The BGP-4 wire codec: messages ({@link dev.viaduct.bgp.wire.BgpMessage}), capabilities and path
 * attributes as immutable records, and {@link dev.viaduct.bgp.wire.BgpCodec} to turn them into bytes and
 * back. Pure: no I/O, threads, clock or configuration. Data flow: a session reads a 19-byte header
 * ({@code decodeHeader}), the body, and calls {@code decode}; errors come out as
 * {@link dev.viaduct.bgp.wire.BgpDecodeException} (the NOTIFICATION to send) or as RFC 7606
 * {@link dev.viaduct.bgp.wire.AttributeError}s already applied to the decoded UPDATE. Prefix lists are
 * packed ({@link dev.viaduct.bgp.wire.PrefixList}) and double as the RIB's keys.
 */
package dev.viaduct.bgp.wire;
