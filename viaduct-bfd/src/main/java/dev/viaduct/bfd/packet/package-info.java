/**
 * The BFD control packet codec (RFC 5880 §4): pure values and functions, no I/O, threads or clock.
 *
 * <p>Data flow: a received UDP payload goes through {@link dev.viaduct.bfd.packet.BfdCodec#decode}, which
 * applies every RFC 5880 §6.8.6 reception check that needs nothing but the packet itself and returns a
 * {@link dev.viaduct.bfd.packet.Decoded} value: either the immutable
 * {@link dev.viaduct.bfd.packet.ControlPacket} or the {@link dev.viaduct.bfd.packet.DiscardReason} naming the
 * failed check. Checks that need session state (authentication, sequence numbers, demultiplexing) happen in
 * {@code dev.viaduct.bfd.session} and {@code dev.viaduct.bfd}, with the same reason type, so every discarded
 * packet is counted under one vocabulary. {@link dev.viaduct.bfd.packet.Authentication} signs and verifies the
 * optional authentication section (RFC 5880 §6.7). Decoding is strict enough that
 * {@code encode(decode(bytes))} reproduces the received bytes exactly, which is what lets authentication be
 * verified on the decoded value.
 */
package dev.viaduct.bfd.packet;
