package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.netlink.codec.Attributes;
import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.NetlinkMessage;
import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decodes datagrams captured from a real kernel (Linux 6.18; see {@code golden/prepare.sh} and
 * {@link GoldenCapture}) — no root needed, and no chance that encoder and decoder share a misunderstanding.
 * Interface indices in the fixtures: r0p 2, r0 3, r1p 4, r1 5, vx0 6.
 */
class GoldenMessagesTest {
    private static final int R0 = 3;
    private static final int R1 = 5;
    private static final int VX0 = 6;

    private static List<NetlinkMessage> read(String name) throws IOException {
        List<NetlinkMessage> out = new ArrayList<>();
        try (InputStream in = GoldenMessagesTest.class.getResourceAsStream("/golden/" + name)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex(line.strip())).order(ByteOrder.nativeOrder());
                while (b.hasRemaining()) {
                    out.add(NetlinkMessage.decode(b));
                }
            }
        }
        return out;
    }

    private static <T> List<T> bodies(List<NetlinkMessage> msgs, int type, Rtnl.BodyDecoder<T> decoder) {
        return msgs.stream().filter(m -> m instanceof NetlinkMessage.Payload p && p.header().type() == type)
                .map(m -> decoder.decode(((NetlinkMessage.Payload) m).body(), "golden")).toList();
    }

    private static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    @Test
    void anIpv4RouteDumpDecodesToWhatIpInstalled() throws IOException {
        List<NetlinkMessage> msgs = read("route-dump-main.hex");
        assertThat(msgs.getLast()).isInstanceOf(NetlinkMessage.Done.class);
        assertThat(msgs.getLast().header().has(Uapi.NLM_F_DUMP_FILTERED)).as("strict checking filtered by table").isTrue();
        List<Route> routes = bodies(msgs, Uapi.RTM_NEWROUTE, RouteCodec::decode);
        RouteProtocol v = RouteProtocol.VIADUCT;
        assertThat(routes).containsExactly(
                Route.to(IpPrefix.parse("10.1.0.0/24")).withDevice(R0).withScope(RouteScope.LINK)
                        .withProtocol(RouteProtocol.KERNEL).withPreferredSource(ip("10.1.0.1")),
                Route.to(IpPrefix.parse("10.2.0.0/24")).withDevice(R1).withScope(RouteScope.LINK)
                        .withProtocol(RouteProtocol.KERNEL).withPreferredSource(ip("10.2.0.1")),
                Route.to(IpPrefix.parse("10.60.0.0/16")).withProtocol(v).withNexthops(List.of(
                        Nexthop.via(ip("10.1.0.2"), R0), Nexthop.via(ip("10.2.0.2"), R1).withWeight(3))),
                Route.to(IpPrefix.parse("10.244.0.7/32")).withDevice(R1).withScope(RouteScope.LINK).withProtocol(v)
                        .withPreferredSource(ip("10.2.0.1")).withMetric(42),
                Route.to(IpPrefix.parse("10.244.1.0/24")).withGateway(ip("10.1.0.2")).withDevice(R0).withProtocol(v),
                Route.to(IpPrefix.parse("10.244.2.0/24")).withGateway(ip("10.244.2.0")).withDevice(R1).withOnlink().withProtocol(v),
                Route.blackhole(IpPrefix.parse("10.250.0.0/16")).withProtocol(v));
    }

    @Test
    void anIpv6DumpFilteredByProtocolHasOnlyOurRoutes() throws IOException {
        List<Route> routes = bodies(read("route-dump-ipv6-ours.hex"), Uapi.RTM_NEWROUTE, RouteCodec::decode);
        assertThat(routes).containsExactly(
                Route.to(IpPrefix.parse("fd00:60::/64")).withProtocol(RouteProtocol.VIADUCT).withMetric(1024)
                        .withNexthops(List.of(Nexthop.via(ip("fd00:1::2"), R0), Nexthop.via(ip("fd00:2::2"), R1))),
                Route.unreachable(IpPrefix.parse("fd00:244::/48")).withProtocol(RouteProtocol.VIADUCT).withMetric(1024));
    }

    @Test
    void linksDecodeKindAddressStateAndVxlanData() throws IOException {
        Link r0 = bodies(read("link-get-r0.hex"), Uapi.RTM_NEWLINK, LinkCodec::decode).getFirst();
        assertThat(r0.index()).isEqualTo(R0);
        assertThat(r0.name()).isEqualTo("r0");
        assertThat(r0.info()).isEqualTo(new LinkInfo.Veth());
        assertThat(r0.address()).isEqualTo(HardwareAddress.parse("02:00:00:00:00:10"));
        assertThat(r0.operState()).isEqualTo(OperState.UP);
        assertThat(r0.parentIndex()).as("the veth peer r0p").isEqualTo(2);
        assertThat(r0.mtu()).isEqualTo(1500);
        assertThat(r0.hardwareType()).as("ARPHRD_ETHER").isEqualTo(1);
        assertThat(r0.ipv4Conf(Ipv4Conf.FORWARDING)).isPresent();

        Link vx = bodies(read("link-get-vx0.hex"), Uapi.RTM_NEWLINK, LinkCodec::decode).getFirst();
        assertThat(vx.index()).isEqualTo(VX0);
        assertThat(vx.mtu()).isEqualTo(1450);
        assertThat(vx.isUp()).isTrue();
        assertThat(vx.info()).isEqualTo(new LinkInfo.Vxlan(42, ip("10.1.0.1"), null, 4789, false, R0, 0));
    }

    @Test
    void theVxlanFdbDumpHasOurPermanentSelfEntries() throws IOException {
        List<Neighbour> fdb = bodies(read("fdb-dump-vx0.hex"), Uapi.RTM_NEWNEIGH, NeighbourCodec::decode);
        // bridge(8) sets NUD_NOARP besides NUD_PERMANENT
        int state = Neighbour.PERMANENT | Neighbour.NOARP;
        assertThat(fdb).filteredOn(n -> n.ifindex() == VX0).containsExactlyInAnyOrder(
                new Neighbour(AddressFamily.BRIDGE, VX0, ip("10.1.0.2"), HardwareAddress.parse("66:00:00:00:00:02"), state,
                        Neighbour.SELF, -1, 0),
                new Neighbour(AddressFamily.BRIDGE, VX0, ip("10.1.0.3"), HardwareAddress.parse("00:00:00:00:00:00"), state,
                        Neighbour.SELF, -1, 0));
        assertThat(fdb).filteredOn(n -> n.ifindex() != VX0).as("the ports' multicast entries")
                .allSatisfy(n -> assertThat(n.destination()).isNull()).isNotEmpty();
    }

    @Test
    void kernelErrorsCarryErrnoEchoedHeaderAndExtendedAck() throws IOException {
        NetlinkMessage.Error gw = (NetlinkMessage.Error) read("error-bad-gateway.hex").getFirst();
        assertThat(gw.errno()).isEqualTo(101);
        assertThat(gw.header().has(Uapi.NLM_F_CAPPED)).isTrue();
        assertThat(gw.request().type()).isEqualTo(Uapi.RTM_NEWROUTE);
        assertThat(gw.request().seq()).isEqualTo(6);
        assertThat(gw.extAck().message()).isEqualTo("Nexthop has invalid gateway");
        assertThat(NetlinkException.of("route add x", gw.errno(), gw.extAck().message()).getMessage())
                .isEqualTo("route add x: Network is unreachable (ENETUNREACH; kernel: Nexthop has invalid gateway)");

        NetlinkMessage.Error exists = (NetlinkMessage.Error) read("error-exists.hex").getFirst();
        assertThat(exists.errno()).isEqualTo(17);
        assertThat(exists.extAck().message()).isEqualTo("ipv4: Address already assigned");
        assertThat(NetlinkException.of("address add", exists.errno(), null)).isInstanceOf(NetlinkException.AlreadyExists.class);
    }

    /**
     * This kernel has no ipip, so the ipip request is checked against the one iproute2 sends for the same
     * device: every attribute iproute2 sets either matches ours or, where we leave it out, equals the
     * kernel's default (ip_tunnel_netlink_parms: PMTUDISC absent means on; zero TOS, link, fwmark, encap;
     * protocol 0 means IPPROTO_IPIP).
     */
    @Test
    void theIpipRequestSaysWhatIproute2Says() throws IOException {
        NetlinkMessage.Payload theirs = (NetlinkMessage.Payload) read("request-ipip-iproute2.hex").getFirst();
        MessageWriter w = new MessageWriter();
        RequestEncoder.encode(w, new Request.AddLink(new LinkSpec.Ipip(LinkSettings.named("tunl1").withMtu(1480),
                ip("10.1.0.1"), null, 64, 0)), 1, Uapi.NLM_F_ACK);
        NetlinkMessage.Payload ours = (NetlinkMessage.Payload) NetlinkMessage.decode(ByteBuffer.wrap(w.toByteArray())
                .order(ByteOrder.nativeOrder()));

        assertThat(ours.header().type()).isEqualTo(theirs.header().type());
        assertThat(ours.header().flags()).isEqualTo(theirs.header().flags());
        var t = Attributes.parse(theirs.body(), Uapi.IFINFOMSG_SIZE, theirs.body().limit(), Tables.LINK, "ip");
        var o = Attributes.parse(ours.body(), Uapi.IFINFOMSG_SIZE, ours.body().limit(), Tables.LINK, "ours");
        assertThat(o.string(Uapi.IFLA_IFNAME)).isEqualTo(t.string(Uapi.IFLA_IFNAME)).isEqualTo("tunl1");
        assertThat(o.u32(Uapi.IFLA_MTU)).isEqualTo(t.u32(Uapi.IFLA_MTU)).isEqualTo(1480);
        var ti = t.nested(Uapi.IFLA_LINKINFO);
        var oi = o.nested(Uapi.IFLA_LINKINFO);
        assertThat(oi.string(Uapi.IFLA_INFO_KIND)).isEqualTo(ti.string(Uapi.IFLA_INFO_KIND)).isEqualTo("ipip");
        var td = ti.nested(Uapi.IFLA_INFO_DATA, Tables.IPTUN);
        var od = oi.nested(Uapi.IFLA_INFO_DATA, Tables.IPTUN);
        assertThat(od.address(Uapi.IFLA_IPTUN_LOCAL)).isEqualTo(td.address(Uapi.IFLA_IPTUN_LOCAL)).isEqualTo(ip("10.1.0.1"));
        assertThat(od.u8(Uapi.IFLA_IPTUN_TTL)).isEqualTo(td.u8(Uapi.IFLA_IPTUN_TTL)).isEqualTo(64);
        assertThat(td.u8(Uapi.IFLA_IPTUN_PMTUDISC)).as("iproute2's explicit value is the kernel default").isEqualTo(1);
        assertThat(od.has(Uapi.IFLA_IPTUN_PMTUDISC)).isFalse();
        for (int zero : new int[] {9 /* PROTO */, 5 /* TOS */, 20 /* FWMARK */, 15, 16, 17, 18 /* ENCAP_* */}) {
            assertThat(od.has(zero)).isFalse();
            assertThat(td.bytes(zero)).as("iproute2 attribute %d", zero).containsOnly((byte) 0);
        }
        assertThat(td.u32(Uapi.IFLA_IPTUN_LINK)).isZero();
        assertThat(od.has(Uapi.IFLA_IPTUN_LINK)).isFalse();
    }
}
