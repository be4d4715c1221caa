package dev.viaduct.bgp.transport;

import java.io.IOException;
import java.net.InetAddress;

/**
 * A TCP MD5 password that Linux cannot take for a peer (empty, or longer than {@value Md5Key#MAX_KEY_BYTES}
 * bytes). Thrown before any socket is created or changed, so nothing is left half-configured; the message
 * names the peer and never contains the password.
 */
public final class InvalidMd5KeyException extends IOException {
    private final InetAddress peer;

    InvalidMd5KeyException(InetAddress peer, String problem) {
        super("TCP MD5 password for peer " + peer.getHostAddress() + ": " + problem);
        this.peer = peer;
    }

    /** The peer whose password was refused. */
    public InetAddress peer() {
        return peer;
    }
}
