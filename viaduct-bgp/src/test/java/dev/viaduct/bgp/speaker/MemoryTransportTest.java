package dev.viaduct.bgp.speaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryTransportTest {
    static InetAddress ip(String s) throws IOException {
        return InetAddress.getByName(s);
    }

    @Test
    void bytesFlowBothWaysAndAddressesMirror() throws Exception {
        MemoryTransport[] net = MemoryTransport.network(ip("10.9.0.1"), ip("10.9.0.2"));
        InetSocketAddress at = new InetSocketAddress(ip("10.9.0.1"), 179);
        try (Transport.Listener l = net[0].listen(at)) {
            Transport.Connection client = net[1].connect(at, null, null, 1000);
            Transport.Connection server = l.accept();
            assertThat(client.remoteAddress()).isEqualTo(at);
            assertThat(client.localAddress().getAddress()).isEqualTo(ip("10.9.0.2"));
            assertThat(server.remoteAddress()).isEqualTo(client.localAddress());
            assertThat(server.localAddress()).isEqualTo(at);

            // more than the 64 KiB ring: the writer must block and resume as the reader drains
            byte[] big = new byte[200_000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            CompletableFuture<Void> w = CompletableFuture.runAsync(() -> {
                try {
                    client.output().write(big);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] got = server.input().readNBytes(big.length);
            w.get(5, TimeUnit.SECONDS);
            assertThat(got).isEqualTo(big);

            server.output().write(new byte[] {7, 8});
            assertThat(client.input().readNBytes(2)).containsExactly(7, 8);
        }
    }

    @Test
    void closingOneEndUnblocksTheOther() throws Exception {
        MemoryTransport[] net = MemoryTransport.network(ip("10.9.0.1"), ip("10.9.0.2"));
        InetSocketAddress at = new InetSocketAddress(ip("10.9.0.1"), 179);
        try (Transport.Listener l = net[0].listen(at)) {
            Transport.Connection client = net[1].connect(at, null, null, 1000);
            Transport.Connection server = l.accept();
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.input().read();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            client.close();
            assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
            assertThatThrownBy(() -> server.output().write(1)).isInstanceOf(IOException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void refusalsAreIoErrors() throws Exception {
        MemoryTransport[] net = MemoryTransport.network(ip("10.9.0.1"), ip("10.9.0.2"));
        InetSocketAddress at = new InetSocketAddress(ip("10.9.0.1"), 179);
        assertThatThrownBy(() -> net[1].connect(at, null, null, 1000)).isInstanceOf(ConnectException.class)
                .hasMessageContaining("nothing listens on");
        Transport.Listener l = net[0].listen(at);
        assertThatThrownBy(() -> net[0].listen(at)).isInstanceOf(IOException.class).hasMessageContaining("in use");
        CompletableFuture<Transport.Connection> accept = CompletableFuture.supplyAsync(() -> {
            try {
                return l.accept();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        l.close();
        assertThatThrownBy(() -> accept.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IOException.class)
                .hasRootCauseMessage("listener closed");
        assertThatThrownBy(() -> net[1].connect(at, null, null, 1000)).isInstanceOf(ConnectException.class);
        assertThat(net[0].supportsMd5()).isFalse();
    }
}
