package dev.viaduct.bfd;

import java.net.InetAddress;

/**
 * One received UDP datagram: who sent it, with which TTL / Hop Limit (-1 when the kernel gave none), and the
 * payload (at most the receive buffer; {@code fullLength} is what the sender sent).
 */
record Datagram(InetAddress source, int sourcePort, int ttl, byte[] payload, int fullLength) {
}
