package dev.viaduct.bgp.speaker;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * A hand-driven BGP peer for session-level error tests: it speaks exactly the bytes a test gives it and
 * reports what the speaker answers.
 */
final class RawPeer implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawPeer(InetAddress from, InetSocketAddress to) throws IOException {
        this(connected(from, to));
    }

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    private static Socket connected(InetAddress from, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(to, 5000);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** The next connection the speaker makes to {@code listener}: the speaker's side is outbound. */
    static RawPeer accept(ServerSocket listener) throws IOException {
        listener.setSoTimeout(10_000);
        return new RawPeer(listener.accept());
    }

    static BgpMessage.Open open(long as, int id, int hold, Capability... caps) {
        return new BgpMessage.Open(4, as > 65535 ? BgpMessage.Open.AS_TRANS : (int) as, hold, id, List.of(caps));
    }

    static BgpMessage.Open standardOpen(long as, int id) {
        return open(as, id, 90, new Capability.Multiprotocol(Family.IPV4_UNICAST), new Capability.FourOctetAs(as));
    }

    void send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    void send(BgpMessage m) throws IOException {
        send(BgpCodec.encode(m, CodecOptions.FOUR_OCTET_AS));
    }

    /** The next message, or null when the speaker closed the connection. */
    BgpMessage receive() throws IOException {
        byte[] h = new byte[19];
        try {
            in.readFully(h);
        } catch (EOFException e) {
            return null;
        }
        int len = ((h[16] & 0xff) << 8) | (h[17] & 0xff);
        byte[] m = new byte[len];
        System.arraycopy(h, 0, m, 0, 19);
        in.readFully(m, 19, len - 19);
        try {
            return BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS);
        } catch (BgpDecodeException e) {
            throw new AssertionError("speaker sent an undecodable message: " + e);
        }
    }

    /** Skips KEEPALIVEs and UPDATEs until a NOTIFICATION or the end of the connection. */
    BgpMessage.Notification awaitNotification() throws IOException {
        while (true) {
            BgpMessage m = receive();
            if (m == null) {
                throw new AssertionError("connection closed without a NOTIFICATION");
            }
            if (m instanceof BgpMessage.Notification n) {
                return n;
            }
        }
    }

    /** OPEN in, KEEPALIVE out, KEEPALIVE in: the session is Established on both sides. */
    void establish(BgpMessage.Open ours) throws IOException {
        send(ours);
        BgpMessage first = receive();
        if (!(first instanceof BgpMessage.Open)) {
            throw new AssertionError("expected OPEN, got " + first);
        }
        send(BgpMessage.Keepalive.INSTANCE);
        BgpMessage second = receive();
        if (!(second instanceof BgpMessage.Keepalive)) {
            throw new AssertionError("expected KEEPALIVE, got " + second);
        }
    }

    /** Whether the speaker closed the connection (EOF) within the socket timeout. */
    boolean closedBySpeaker() throws IOException {
        try {
            while (true) {
                if (receive() == null) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
