package dev.viaduct.bgp.speaker;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;

/**
 * Plain {@code java.net} sockets: blocking I/O, which is cheap on virtual threads. No TCP MD5: Java has no
 * way to set TCP_MD5SIG; an agent that needs it supplies its own {@link Transport}.
 */
public final class SocketTransport implements Transport {
    public static final SocketTransport INSTANCE = new SocketTransport();

    @Override
    public Connection connect(InetSocketAddress remote, InetAddress localBind, String md5Password, int timeoutMillis) throws IOException {
        if (md5Password != null) {
            throw new IOException("TCP MD5 (RFC 2385) is not available with the plain socket transport");
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            if (localBind != null) {
                s.bind(new InetSocketAddress(localBind, 0));
            }
            s.connect(remote, timeoutMillis);
            return new SocketConnection(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public Listener listen(InetSocketAddress local) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ss.bind(local, 64);
        return new Listener() {
            @Override
            public Connection accept() throws IOException {
                Socket s = ss.accept();
                s.setTcpNoDelay(true);
                return new SocketConnection(s);
            }

            @Override
            public InetSocketAddress localAddress() {
                return (InetSocketAddress) ss.getLocalSocketAddress();
            }

            @Override
            public void close() throws IOException {
                ss.close();
            }
        };
    }

    @Override
    public boolean supportsMd5() {
        return false;
    }

    private static final class SocketConnection implements Connection {
        private final Socket s;
        private final InputStream in;

        SocketConnection(Socket s) throws IOException {
            this.s = s;
            this.in = new BufferedInputStream(s.getInputStream(), 1 << 16);
        }

        @Override
        public InputStream input() {
            return in;
        }

        @Override
        public OutputStream output() throws IOException {
            return s.getOutputStream();
        }

        @Override
        public InetSocketAddress localAddress() {
            return (InetSocketAddress) s.getLocalSocketAddress();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return (InetSocketAddress) s.getRemoteSocketAddress();
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }
}
