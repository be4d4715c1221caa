package dev.viaduct.netlink;

/**
 * A change the kernel announced on an rtnetlink multicast group, decoded. Switch exhaustively; in particular
 * {@link ResyncNeeded} means events were lost and the subscriber's view of the kernel must be rebuilt from a
 * dump (STYLE.md point 5).
 */
public sealed interface NetlinkEvent {
    /** RTM_NEWLINK: a link appeared or changed (the kernel does not say which). */
    record LinkChanged(Link link) implements NetlinkEvent {
    }

    /** RTM_DELLINK. */
    record LinkRemoved(Link link) implements NetlinkEvent {
    }

    /** RTM_NEWADDR. */
    record AddressAdded(Address address) implements NetlinkEvent {
    }

    /** RTM_DELADDR. */
    record AddressRemoved(Address address) implements NetlinkEvent {
    }

    /** RTM_NEWROUTE: added or replaced. */
    record RouteAdded(Route route) implements NetlinkEvent {
    }

    /** RTM_DELROUTE: deleted, by someone or because its device or address went away. */
    record RouteRemoved(Route route) implements NetlinkEvent {
    }

    /** RTM_NEWNEIGH. */
    record NeighbourChanged(Neighbour neighbour) implements NetlinkEvent {
    }

    /** RTM_DELNEIGH. */
    record NeighbourRemoved(Neighbour neighbour) implements NetlinkEvent {
    }

    /**
     * Events were lost: the socket's receive buffer overflowed (ENOBUFS) or a message could not be decoded.
     * Re-read the state with a dump.
     */
    record ResyncNeeded(String reason) implements NetlinkEvent {
    }
}
