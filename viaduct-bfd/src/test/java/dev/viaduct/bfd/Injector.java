package dev.viaduct.bfd;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Sends hand-made datagrams from inside a namespace, from a given address and with a given TTL: the "raw UDP
 * socket" of the malformed-packet and GTSM tests. Uses the library's own FFM socket (a DatagramChannel cannot
 * set a unicast TTL).
 */
final class Injector implements AutoCloseable {
    private final UdpSocket socket;

    private Injector(UdpSocket socket) {
        this.socket = socket;
    }

    static Injector open(Path namespace, InetAddress from, int ttl) throws Exception {
        return new Injector(InNamespace.call(namespace, () -> UdpSocket.open(new InetSocketAddress(from, 0), null, ttl, false)));
    }

    void send(byte[] payload, InetAddress to) throws BfdSocketException {
        socket.send(payload, to, EventLoop.CONTROL_PORT, 0);
    }

    @Override
    public void close() {
        socket.close();
    }
}
