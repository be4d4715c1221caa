package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.NetlinkMessage;
import dev.viaduct.netlink.codec.Uapi;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * decode(encode(x)) == x for every value the library sends or receives, through the full framing (message
 * header, then the family's struct and attributes); and random or mutated bytes give only
 * {@link NetlinkDecodeException}.
 */
class CodecPropertyTest {

    @Provide
    Arbitrary<Route> routes() {
        return Generators.route();
    }

    @Provide
    Arbitrary<Address> addresses() {
        return Generators.address();
    }

    @Provide
    Arbitrary<Neighbour> neighbours() {
        return Generators.neighbour();
    }

    @Provide
    Arbitrary<Link> links() {
        return Generators.link();
    }

    @Property(tries = 1000)
    void routesRoundTrip(@ForAll("routes") Route r) {
        byte[] wire = frame(Uapi.RTM_NEWROUTE, w -> RouteCodec.encodeBody(w, r, false));
        assertThat(RouteCodec.decode(body(wire), "test")).isEqualTo(r);
        assertThat(EventDecoder.decode(Uapi.RTM_DELROUTE, body(wire))).isEqualTo(new NetlinkEvent.RouteRemoved(r));
    }

    @Property(tries = 1000)
    void addressesRoundTrip(@ForAll("addresses") Address a) {
        byte[] wire = frame(Uapi.RTM_NEWADDR, w -> AddressCodec.encodeBody(w, a));
        assertThat(AddressCodec.decode(body(wire), "test")).isEqualTo(a);
        assertThat(EventDecoder.decode(Uapi.RTM_NEWADDR, body(wire))).isEqualTo(new NetlinkEvent.AddressAdded(a));
    }

    @Property(tries = 1000)
    void neighboursRoundTrip(@ForAll("neighbours") Neighbour n) {
        byte[] wire = frame(Uapi.RTM_NEWNEIGH, w -> NeighbourCodec.encodeBody(w, n));
        assertThat(NeighbourCodec.decode(body(wire), "test")).isEqualTo(n);
    }

    @Property(tries = 1000)
    void linksRoundTrip(@ForAll("links") Link l) {
        byte[] wire = frame(Uapi.RTM_NEWLINK, w -> LinkCodec.encodeBody(w, l));
        assertThat(LinkCodec.decode(body(wire), "test")).isEqualTo(l);
        assertThat(EventDecoder.decode(Uapi.RTM_DELLINK, body(wire))).isEqualTo(new NetlinkEvent.LinkRemoved(l));
    }

    @Property(tries = 3000)
    void randomBodiesGiveOnlyTheTypedDecodeError(@ForAll @Size(max = 160) byte[] bytes,
            @ForAll @IntRange(min = 0, max = 3) int which) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        try {
            Object v = switch (which) {
                case 0 -> RouteCodec.decode(b, "fuzz");
                case 1 -> AddressCodec.decode(b, "fuzz");
                case 2 -> NeighbourCodec.decode(b, "fuzz");
                default -> LinkCodec.decode(b, "fuzz");
            };
            assertThat(v).isNotNull();
        } catch (NetlinkDecodeException expected) {
            assertThat(expected.getMessage()).startsWith("fuzz");
        }
    }

    /** Valid messages with a few bytes changed reach deep into the decoders, unlike uniform noise. */
    @Property(tries = 1500)
    void mutatedMessagesGiveOnlyTheTypedDecodeError(@ForAll("routes") Route r, @ForAll("links") Link l,
            @ForAll("neighbours") Neighbour n, @ForAll("addresses") Address a, @ForAll @IntRange(min = 0, max = 3) int which,
            @ForAll @Size(min = 1, max = 4) int[] positions, @ForAll byte value) {
        byte[] wire = switch (which) {
            case 0 -> frame(Uapi.RTM_NEWROUTE, w -> RouteCodec.encodeBody(w, r, false));
            case 1 -> frame(Uapi.RTM_NEWLINK, w -> LinkCodec.encodeBody(w, l));
            case 2 -> frame(Uapi.RTM_NEWNEIGH, w -> NeighbourCodec.encodeBody(w, n));
            default -> frame(Uapi.RTM_NEWADDR, w -> AddressCodec.encodeBody(w, a));
        };
        for (int p : positions) {
            wire[Math.floorMod(p, wire.length)] ^= value == 0 ? 1 : value;
        }
        ByteBuffer buf = ByteBuffer.wrap(wire).order(ByteOrder.nativeOrder());
        try {
            while (buf.hasRemaining()) {
                if (NetlinkMessage.decode(buf) instanceof NetlinkMessage.Payload p) {
                    EventDecoder.decode(p.header().type(), p.body());
                }
            }
        } catch (NetlinkDecodeException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    static byte[] frame(int type, Consumer<MessageWriter> body) {
        MessageWriter w = new MessageWriter(64);
        int start = w.begin(type, 0, 1);
        body.accept(w);
        w.end(start);
        return w.toByteArray();
    }

    /** Decodes the framing and returns the body, as the socket layer does. */
    static ByteBuffer body(byte[] wire) {
        ByteBuffer b = ByteBuffer.wrap(wire).order(ByteOrder.nativeOrder());
        NetlinkMessage.Payload p = (NetlinkMessage.Payload) NetlinkMessage.decode(b);
        assertThat(b.hasRemaining()).isFalse();
        return p.body();
    }
}
