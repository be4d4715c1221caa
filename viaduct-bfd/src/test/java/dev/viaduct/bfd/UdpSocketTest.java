package dev.viaduct.bfd;

import static dev.viaduct.bfd.Loopback.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.Poll;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The FFM UDP socket on loopback: the TTL / Hop Limit we set is the one the receiver reads back from the
 * ancillary data (GTSM's two halves, RFC 5881 §5), source ports come from 49152-65535, errors carry errno.
 */
class UdpSocketTest {

    @Test
    void ipv4TtlIsSetOnSendAndReportedOnReceive() throws Exception {
        String net = Loopback.subnet();
        try (UdpSocket rx = UdpSocket.open(new InetSocketAddress(ip(net + "1"), 0), null, 255, true);
                UdpSocket tx255 = UdpSocket.open(new InetSocketAddress(ip(net + "2"), 0), null, 255, false);
                UdpSocket tx64 = UdpSocket.open(new InetSocketAddress(ip(net + "2"), 0), null, 64, false)) {
            tx255.send(new byte[] {1, 2, 3}, ip(net + "1"), rx.localAddress().getPort(), 0);
            Datagram d = receive(rx);
            assertThat(d.ttl()).isEqualTo(255);
            assertThat(d.payload()).containsExactly(1, 2, 3);
            assertThat(d.source()).isEqualTo(ip(net + "2"));
            assertThat(d.sourcePort()).isEqualTo(tx255.localAddress().getPort());
            tx64.send(new byte[] {4}, ip(net + "1"), rx.localAddress().getPort(), 0);
            assertThat(receive(rx).ttl()).isEqualTo(64);
            assertThat(rx.receive()).isNull(); // non-blocking: nothing queued is null, not a wait
        }
    }

    @Test
    void ipv6HopLimitIsSetOnSendAndReportedOnReceive() throws Exception {
        try (UdpSocket rx = UdpSocket.open(new InetSocketAddress(ip("::1"), 0), null, 255, true);
                UdpSocket tx = UdpSocket.open(new InetSocketAddress(ip("::1"), 0), null, 254, false)) {
            tx.send(new byte[] {9}, ip("::1"), rx.localAddress().getPort(), 0);
            Datagram d = receive(rx);
            assertThat(d.ttl()).isEqualTo(254);
            assertThat(d.source()).isEqualTo(ip("::1"));
        }
    }

    @Test
    void sourcePortsComeFromTheRfc5881Range() throws Exception {
        String net = Loopback.subnet();
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 20; i++) {
            try (UdpSocket s = UdpSocket.openInSourceRange(ip(net + "1"), null, 255, random)) {
                assertThat(s.localAddress().getPort()).isBetween(49152, 65535);
            }
        }
    }

    @Test
    void bindingAnAddressThisHostDoesNotHaveFailsWithErrno() {
        // 192.0.2.0/24 is TEST-NET-1: never configured here
        assertThatThrownBy(() -> UdpSocket.open(new InetSocketAddress(ip("192.0.2.77"), 3784), null, 255, true))
                .isInstanceOf(BfdSocketException.class)
                .hasMessageContaining("bind(192.0.2.77:3784)")
                .hasMessageContaining("errno 99")
                .satisfies(e -> assertThat(((BfdSocketException) e).errno()).isEqualTo(99));
    }

    @Test
    void bindingToAMissingInterfaceFailsWithErrno() {
        assertThatThrownBy(() -> UdpSocket.open(new InetSocketAddress(ip("127.0.0.1"), 0), "vtnosuchif0", 255, true))
                .isInstanceOf(BfdSocketException.class)
                .hasMessageContaining("SO_BINDTODEVICE")
                .hasMessageContaining("errno 19");
    }

    private static Datagram receive(UdpSocket s) {
        AtomicReference<Datagram> got = new AtomicReference<>();
        Poll.until("a datagram on " + s, Duration.ofSeconds(5), () -> {
            try {
                Datagram d = s.receive();
                got.set(d);
                return d != null;
            } catch (BfdSocketException e) {
                throw new IllegalStateException(e);
            }
        });
        return got.get();
    }
}
