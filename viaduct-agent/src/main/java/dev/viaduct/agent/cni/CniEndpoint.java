package dev.viaduct.agent.cni;

import dev.viaduct.cni.spec.CniErrorCode;
import dev.viaduct.cni.spec.CniException;
import dev.viaduct.cni.spec.CniResults;
import dev.viaduct.cni.spec.CniVersion;
import dev.viaduct.cni.ShimProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The agent's CNI socket: a root-only unix socket (directory 0700 when we create it, socket 0600) on which the
 * C shim forwards each plugin call.
 *
 * <p>Concurrency: one platform-independent accept loop on a virtual thread, one virtual thread per
 * connection (blocking I/O); the handler is thread-safe.
 */
public final class CniEndpoint implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.cni");

    /** Told about every finished call (metrics). */
    public interface Observer {
        void finished(CniHandler.Outcome outcome, long nanos);
    }

    private final Path path;
    private final CniHandler handler;
    private final Observer observer;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    private CniEndpoint(Path path, CniHandler handler, Observer observer, ServerSocketChannel server) {
        this.path = path;
        this.handler = handler;
        this.observer = observer;
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("cni-accept").start(this::acceptLoop);
    }

    /**
     * Binds {@code path}, replacing a stale socket file left by a previous agent (one nobody listens on). Fails
     * if another agent is serving it.
     */
    public static CniEndpoint start(Path path, CniHandler handler, Observer observer) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (Files.exists(path)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                throw new IOException("CNI socket " + path + " is in use by another process (is another agent running?)");
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains("in use by another")) {
                    throw e;
                }
                Files.deleteIfExists(path); // stale: nobody accepts on it
            }
        }
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path), 512);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        LOG.log(System.Logger.Level.INFO, "cni endpoint listening socket={0}", path);
        return new CniEndpoint(path, handler, observer, s);
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().name("cni-conn").start(() -> serve(c));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cni accept failed: {0}", e.toString());
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            InputStream in = Channels.newInputStream(c);
            OutputStream out = Channels.newOutputStream(c);
            ShimProtocol.Request req;
            try {
                req = ShimProtocol.readRequest(in);
            } catch (ShimProtocol.ShimProtocolException e) {
                LOG.log(System.Logger.Level.WARNING, "cni malformed request from shim: {0}", e.getMessage());
                var ce = new CniException(CniErrorCode.DECODE_FAILURE, "malformed request from the viaduct-cni shim", e.getMessage());
                ShimProtocol.writeReply(new ShimProtocol.Reply(1, CniResults.error(CniVersion.V1_1_0, ce) + "\n", ""), out);
                return;
            }
            long t0 = System.nanoTime();
            CniHandler.Outcome outcome = handler.handle(req.env(), req.stdin());
            long took = System.nanoTime() - t0;
            ShimProtocol.writeReply(outcome.reply(), out);
            observer.finished(outcome, took);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cni connection failed: {0}", e.toString());
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
