package dev.viaduct.netlink.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Framing and control messages: ACKs, errors with and without the echoed request, extended ACKs, DONE. */
class NetlinkMessageTest {
    private static final NetlinkHeader REQUEST = new NetlinkHeader(44, Uapi.RTM_NEWROUTE,
            Uapi.NLM_F_REQUEST | Uapi.NLM_F_CREATE | Uapi.NLM_F_EXCL, 77, 0);

    @Property
    void errorsRoundTripWithTheirExtendedAck(@ForAll @IntRange(min = 0, max = 4095) int errno, @ForAll int seq,
            @ForAll("messages") String text, @ForAll @IntRange(min = -1, max = 5000) int offset) {
        ExtAck ack = text == null && offset < 0 ? ExtAck.NONE : new ExtAck(text, offset, -1);
        MessageWriter w = new MessageWriter();
        NetlinkMessage.Error.write(w, seq, errno, REQUEST, ack);
        ByteBuffer b = ByteBuffer.wrap(w.toByteArray()).order(ByteOrder.nativeOrder());
        NetlinkMessage.Error e = (NetlinkMessage.Error) NetlinkMessage.decode(b);
        assertThat(e.errno()).isEqualTo(errno);
        assertThat(e.isAck()).isEqualTo(errno == 0);
        assertThat(e.header().seq()).isEqualTo(seq);
        assertThat(e.request()).isEqualTo(REQUEST);
        assertThat(e.extAck()).isEqualTo(ack);
        assertThat(b.hasRemaining()).isFalse();
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> messages() {
        return net.jqwik.api.Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60).injectNull(0.3);
    }

    @Test
    void anErrorWithoutCapAckSkipsTheEchoedRequestToFindTheExtendedAck() {
        // What a socket without NETLINK_CAP_ACK gets: struct nlmsgerr, then the whole failed request, then TLVs.
        MessageWriter w = new MessageWriter();
        int start = w.begin(Uapi.NLMSG_ERROR, Uapi.NLM_F_ACK_TLVS, 5);
        w.u32(-17);
        w.u32(24).u16(Uapi.RTM_NEWROUTE).u16(Uapi.NLM_F_REQUEST).u32(5).u32(0); // echoed header, 8 bytes of body
        w.u32(0xAAAAAAAA).u32(0xBBBBBBBB);
        w.attrString(Uapi.NLMSGERR_ATTR_MSG, "route exists");
        w.end(start);
        NetlinkMessage.Error e = (NetlinkMessage.Error) NetlinkMessage.decode(ByteBuffer.wrap(w.toByteArray())
                .order(ByteOrder.nativeOrder()));
        assertThat(e.errno()).isEqualTo(17);
        assertThat(e.request().type()).isEqualTo(Uapi.RTM_NEWROUTE);
        assertThat(e.extAck().message()).isEqualTo("route exists");
    }

    @Test
    void doneCarriesTheDumpsErrno() {
        MessageWriter w = new MessageWriter();
        int start = w.begin(Uapi.NLMSG_DONE, Uapi.NLM_F_MULTI | Uapi.NLM_F_ACK_TLVS, 9);
        w.u32(-2);
        w.attrString(Uapi.NLMSGERR_ATTR_MSG, "ipv4: FIB table does not exist");
        w.end(start);
        NetlinkMessage.Done d = (NetlinkMessage.Done) NetlinkMessage.decode(ByteBuffer.wrap(w.toByteArray())
                .order(ByteOrder.nativeOrder()));
        assertThat(d.errno()).isEqualTo(2);
        assertThat(d.extAck().message()).isEqualTo("ipv4: FIB table does not exist");
    }

    @Test
    void severalMessagesInOneDatagramDecodeInOrder() {
        MessageWriter w = new MessageWriter();
        int a = w.begin(Uapi.RTM_NEWROUTE, Uapi.NLM_F_MULTI, 1);
        w.u32(0x01020304).u8(9);
        w.end(a);
        int b = w.begin(Uapi.NLMSG_DONE, Uapi.NLM_F_MULTI, 1);
        w.u32(0);
        w.end(b);
        ByteBuffer buf = ByteBuffer.wrap(w.toByteArray()).order(ByteOrder.nativeOrder());
        NetlinkMessage.Payload p = (NetlinkMessage.Payload) NetlinkMessage.decode(buf);
        assertThat(p.body().limit()).as("body excludes the header and the padding").isEqualTo(5);
        assertThat(p.body().getInt(0)).isEqualTo(0x01020304);
        assertThat(NetlinkMessage.decode(buf)).isInstanceOf(NetlinkMessage.Done.class);
        assertThat(buf.hasRemaining()).isFalse();
    }

    @Test
    void aLengthBeyondTheDatagramIsADecodeErrorNamingTheField() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
        new NetlinkHeader(64, Uapi.RTM_NEWLINK, 0, 3, 0).write(b);
        b.flip().limit(20);
        assertThatThrownBy(() -> NetlinkMessage.decode(b)).isInstanceOf(NetlinkDecodeException.class)
                .hasMessageContaining("nlmsg_len 64 outside 16..20");
    }

    @Test
    void aPositiveErrorCodeIsRejected() {
        MessageWriter w = new MessageWriter();
        int start = w.begin(Uapi.NLMSG_ERROR, 0, 1);
        w.u32(5);
        w.u32(16).u16(0).u16(0).u32(0).u32(0);
        w.end(start);
        assertThatThrownBy(() -> NetlinkMessage.decode(ByteBuffer.wrap(w.toByteArray()).order(ByteOrder.nativeOrder())))
                .isInstanceOf(NetlinkDecodeException.class).hasMessageContaining("error code 5");
    }
}
