package dev.viaduct.bfd;

import dev.viaduct.bfd.packet.AuthKey;
import dev.viaduct.bfd.session.Timers;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * What a single-hop session needs (RFC 5881): the peer, the local address to send from and receive on, the
 * interface when the peer is IPv6 link-local (or to pin the session to a link), the timers and the optional
 * authentication key.
 */
public record SessionConfig(InetAddress peer, InetAddress local, Optional<String> interfaceName, Timers timers,
        Optional<AuthKey> auth) {
    public SessionConfig {
        Objects.requireNonNull(peer, "peer address is required");
        Objects.requireNonNull(local, "local address is required");
        Objects.requireNonNull(interfaceName, "interfaceName");
        Objects.requireNonNull(timers, "timers");
        Objects.requireNonNull(auth, "auth");
        if ((peer instanceof Inet4Address) != (local instanceof Inet4Address)) {
            throw new IllegalArgumentException("peer " + peer.getHostAddress() + " and local " + local.getHostAddress()
                    + " are of different address families (one BFD session per data protocol, RFC 5882 §6)");
        }
        for (InetAddress a : new InetAddress[] {peer, local}) {
            if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                throw new IllegalArgumentException("BFD single-hop needs unicast addresses, got " + a.getHostAddress());
            }
        }
        if (peer.equals(local)) {
            throw new IllegalArgumentException("peer and local address are both " + peer.getHostAddress());
        }
        if (interfaceName.isPresent()) {
            String n = interfaceName.get();
            if (n.isEmpty() || n.length() > 15 || n.contains("/") || n.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("interface name must be 1-15 characters without '/' or spaces (IFNAMSIZ), got '" + n + "'");
            }
        } else if (peer.isLinkLocalAddress() || local.isLinkLocalAddress()) {
            throw new IllegalArgumentException("link-local addresses need an interface name (the address alone names no link)");
        }
    }

    public static Builder builder(InetAddress peer, InetAddress local) {
        return new Builder(peer, local);
    }

    /** The key the manager files this session under. */
    public SessionKey key() {
        return new SessionKey(peer, local, interfaceName);
    }

    /** Builder with {@link Timers#DEFAULT} and no authentication. */
    public static final class Builder {
        private final InetAddress peer;
        private final InetAddress local;
        private Optional<String> interfaceName = Optional.empty();
        private Timers timers = Timers.DEFAULT;
        private Optional<AuthKey> auth = Optional.empty();

        private Builder(InetAddress peer, InetAddress local) {
            this.peer = peer;
            this.local = local;
        }

        public Builder interfaceName(String name) {
            this.interfaceName = Optional.of(name);
            return this;
        }

        public Builder timers(Timers t) {
            this.timers = t;
            return this;
        }

        public Builder auth(AuthKey key) {
            this.auth = Optional.of(key);
            return this;
        }

        public SessionConfig build() {
            return new SessionConfig(peer, local, interfaceName, timers, auth);
        }
    }
}
