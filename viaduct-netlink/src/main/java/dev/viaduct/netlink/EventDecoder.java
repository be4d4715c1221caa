package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Uapi;
import java.nio.ByteBuffer;

/** rtnetlink notifications to {@link NetlinkEvent}s. Pure. */
final class EventDecoder {
    private EventDecoder() {
    }

    /** The event for a notification of {@code type}, or null for types no subscription asks for. */
    static NetlinkEvent decode(int type, ByteBuffer body) {
        return switch (type) {
            case Uapi.RTM_NEWLINK -> new NetlinkEvent.LinkChanged(LinkCodec.decode(body, "RTM_NEWLINK event"));
            case Uapi.RTM_DELLINK -> new NetlinkEvent.LinkRemoved(LinkCodec.decode(body, "RTM_DELLINK event"));
            case Uapi.RTM_NEWADDR -> new NetlinkEvent.AddressAdded(AddressCodec.decode(body, "RTM_NEWADDR event"));
            case Uapi.RTM_DELADDR -> new NetlinkEvent.AddressRemoved(AddressCodec.decode(body, "RTM_DELADDR event"));
            case Uapi.RTM_NEWROUTE -> new NetlinkEvent.RouteAdded(RouteCodec.decode(body, "RTM_NEWROUTE event"));
            case Uapi.RTM_DELROUTE -> new NetlinkEvent.RouteRemoved(RouteCodec.decode(body, "RTM_DELROUTE event"));
            case Uapi.RTM_NEWNEIGH -> new NetlinkEvent.NeighbourChanged(NeighbourCodec.decode(body, "RTM_NEWNEIGH event"));
            case Uapi.RTM_DELNEIGH -> new NetlinkEvent.NeighbourRemoved(NeighbourCodec.decode(body, "RTM_DELNEIGH event"));
            default -> null;
        };
    }
}
