package dev.viaduct.bgp.speaker;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * How the speaker gets TCP connections. The default ({@link SocketTransport}) uses {@code java.net}
 * sockets; an embedding agent can plug in one that sets TCP_MD5SIG (RFC 2385) through FFM, or one that
 * opens sockets inside a network namespace. All calls block; the speaker makes them from virtual threads.
 */
public interface Transport {
    /** An established connection. Closing it must unblock a reader blocked in {@link #input()}. */
    interface Connection extends Closeable {
        InputStream input() throws IOException;

        OutputStream output() throws IOException;

        InetSocketAddress localAddress();

        InetSocketAddress remoteAddress();

        /**
         * Writes what the send buffer takes now, without waiting, and returns how many bytes that was: 0 when it is
         * full, or when this transport cannot write without blocking (then the speaker's writer thread writes).
         */
        default int sendNow(byte[] b, int off, int len) throws IOException {
            return 0;
        }

        /**
         * With no input buffered, arranges for {@code then} to run once input arrives (or the connection closes)
         * and returns true, so the reader can end instead of parking; {@code then} may run on a transport thread
         * (or at once) and must only hand over. False when input is buffered, or when this transport cannot (then
         * the caller reads, blocking).
         */
        default boolean whenReadable(Runnable then) {
            return false;
        }
    }

    /** A listening socket. Closing it must unblock {@link #accept()}. */
    interface Listener extends Closeable {
        Connection accept() throws IOException;

        InetSocketAddress localAddress();

        /** Sets (or clears, with null) the TCP MD5 key for connections from {@code peer}. */
        default void setPassword(InetAddress peer, String password) throws IOException {
            if (password != null) {
                throw new IOException("this transport cannot do TCP MD5 signatures (RFC 2385)");
            }
        }
    }

    /**
     * Opens a connection to {@code remote}, from {@code localBind} when not null, with a TCP MD5 key when
     * {@code md5Password} is not null.
     */
    Connection connect(InetSocketAddress remote, InetAddress localBind, String md5Password, int timeoutMillis) throws IOException;

    Listener listen(InetSocketAddress local) throws IOException;

    /** Whether {@code md5Password} is supported; peers with a password are refused otherwise. */
    boolean supportsMd5();
}
