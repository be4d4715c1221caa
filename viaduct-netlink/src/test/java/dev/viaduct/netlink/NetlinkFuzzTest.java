package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.viaduct.testsupport.FuzzBounds;
import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.NetlinkMessage;
import dev.viaduct.netlink.codec.Uapi;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz target for rtnetlink decoding (Jazzer): one received datagram walked message by message
 * as the socket layer does, control messages (NLMSG_ERROR and NLMSG_DONE with extended ACK) and
 * RTM_NEW/DEL{LINK,ADDR,ROUTE,NEIGH} bodies through the event decoder. Without {@code JAZZER_FUZZ=1} it replays
 * its corpus in {@code src/test/resources/dev/viaduct/netlink/NetlinkFuzzTestInputs/datagram/} (seeded with the
 * kernel replies of {@code golden/}); with it, Jazzer mutates from there.
 *
 * <p>The property: a datagram decodes or throws {@link NetlinkDecodeException} — never
 * {@code IndexOutOfBoundsException}, {@code BufferUnderflowException} or another runtime exception — and a
 * decoded link, address, route or neighbour re-encodes to a body that decodes equal; one input takes at most
 * {@link FuzzBounds#SECONDS_PER_INPUT} and allocates at most {@link FuzzBounds#BYTES_PER_INPUT}.
 */
class NetlinkFuzzTest {

    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void datagram(byte[] datagram) {
        FuzzBounds.within(() -> decodeAndRoundTrip(datagram));
    }

    private static void decodeAndRoundTrip(byte[] datagram) {
        ByteBuffer buf = ByteBuffer.wrap(datagram).order(ByteOrder.nativeOrder());
        try {
            while (buf.hasRemaining()) {
                if (NetlinkMessage.decode(buf) instanceof NetlinkMessage.Payload p) {
                    NetlinkEvent e = EventDecoder.decode(p.header().type(), p.body());
                    if (e != null) {
                        assertThat(reencoded(e)).isEqualTo(e);
                    }
                }
            }
        } catch (NetlinkDecodeException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    /** The event decoded from the re-encoding of its value. */
    private static NetlinkEvent reencoded(NetlinkEvent e) {
        return switch (e) {
            case NetlinkEvent.LinkChanged c -> again(Uapi.RTM_NEWLINK, w -> LinkCodec.encodeBody(w, c.link()));
            case NetlinkEvent.LinkRemoved c -> again(Uapi.RTM_DELLINK, w -> LinkCodec.encodeBody(w, c.link()));
            case NetlinkEvent.AddressAdded c -> again(Uapi.RTM_NEWADDR, w -> AddressCodec.encodeBody(w, c.address()));
            case NetlinkEvent.AddressRemoved c -> again(Uapi.RTM_DELADDR, w -> AddressCodec.encodeBody(w, c.address()));
            case NetlinkEvent.RouteAdded c -> again(Uapi.RTM_NEWROUTE, w -> RouteCodec.encodeBody(w, c.route(), false));
            // a delete request's body is not a full route (scope RT_SCOPE_NOWHERE matches any): encode as a route
            case NetlinkEvent.RouteRemoved c -> again(Uapi.RTM_DELROUTE, w -> RouteCodec.encodeBody(w, c.route(), false));
            case NetlinkEvent.NeighbourChanged c -> again(Uapi.RTM_NEWNEIGH, w -> NeighbourCodec.encodeBody(w, c.neighbour()));
            case NetlinkEvent.NeighbourRemoved c -> again(Uapi.RTM_DELNEIGH, w -> NeighbourCodec.encodeBody(w, c.neighbour()));
            case NetlinkEvent.ResyncNeeded r -> r;
        };
    }

    private static NetlinkEvent again(int type, Consumer<MessageWriter> body) {
        return EventDecoder.decode(type, CodecPropertyTest.body(CodecPropertyTest.frame(type, body)));
    }
}
