package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.netlink.ffm.NetlinkSocket;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Regenerates the golden fixtures in {@code src/test/resources/golden}: raw datagrams the kernel sent in
 * reply to requests, one hex line per datagram. Not a test; run as root with the test class path:
 * {@code java -cp ... dev.viaduct.netlink.GoldenCapture <namespace name> <output dir>} in a namespace prepared
 * as {@link GoldenMessagesTest} describes.
 */
public final class GoldenCapture {
    private GoldenCapture() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        try (NetNamespace ns = NetNamespace.openNamed(args[0])) {
            NetlinkSocket s = NamespaceSwitcher.instance().call(ns.fd(), () -> NetlinkSocket.open(Uapi.NETLINK_ROUTE));
            s.setInt(Uapi.SOL_NETLINK, Uapi.NETLINK_EXT_ACK, 1);
            s.setInt(Uapi.SOL_NETLINK, Uapi.NETLINK_CAP_ACK, 1);
            s.setInt(Uapi.SOL_NETLINK, Uapi.NETLINK_GET_STRICT_CHK, 1);
            try (Arena arena = Arena.ofConfined()) {
                capture(s, arena, out.resolve("route-dump-main.hex"), w -> {
                    int st = w.begin(Uapi.RTM_GETROUTE, Uapi.NLM_F_REQUEST | Uapi.NLM_F_DUMP, 1);
                    w.u8(Uapi.AF_INET).u8(0).u8(0).u8(0).u8(Uapi.RT_TABLE_MAIN).u8(0).u8(0).u8(0).u32(0);
                    w.end(st);
                }, true);
                capture(s, arena, out.resolve("route-dump-ipv6-ours.hex"), w -> {
                    int st = w.begin(Uapi.RTM_GETROUTE, Uapi.NLM_F_REQUEST | Uapi.NLM_F_DUMP, 2);
                    w.u8(Uapi.AF_INET6).u8(0).u8(0).u8(0).u8(Uapi.RT_TABLE_MAIN).u8(86).u8(0).u8(0).u32(0);
                    w.end(st);
                }, true);
                capture(s, arena, out.resolve("link-get-vx0.hex"), w -> {
                    int st = w.begin(Uapi.RTM_GETLINK, Uapi.NLM_F_REQUEST, 3);
                    w.u8(0).u8(0).u16(0).u32(0).u32(0).u32(0);
                    w.attrString(Uapi.IFLA_IFNAME, "vx0");
                    w.attrU32(Uapi.IFLA_EXT_MASK, Uapi.RTEXT_FILTER_SKIP_STATS);
                    w.end(st);
                }, false);
                capture(s, arena, out.resolve("link-get-r0.hex"), w -> {
                    int st = w.begin(Uapi.RTM_GETLINK, Uapi.NLM_F_REQUEST, 4);
                    w.u8(0).u8(0).u16(0).u32(0).u32(0).u32(0);
                    w.attrString(Uapi.IFLA_IFNAME, "r0");
                    w.attrU32(Uapi.IFLA_EXT_MASK, Uapi.RTEXT_FILTER_SKIP_STATS);
                    w.end(st);
                }, false);
                capture(s, arena, out.resolve("fdb-dump-vx0.hex"), w -> {
                    int st = w.begin(Uapi.RTM_GETNEIGH, Uapi.NLM_F_REQUEST | Uapi.NLM_F_DUMP, 5);
                    w.u8(Uapi.AF_BRIDGE).u8(0).u16(0).u32(0).u16(0).u8(0).u8(0);
                    w.end(st);
                }, true);
                capture(s, arena, out.resolve("error-bad-gateway.hex"), w -> RequestEncoder.encode(w,
                        new Request.AddRoute(Route.to(IpPrefix.parse("10.99.0.0/16")).withGateway(java.net.InetAddress.ofLiteral("10.168.0.3"))),
                        6, Uapi.NLM_F_ACK), false);
                capture(s, arena, out.resolve("error-exists.hex"), w -> RequestEncoder.encode(w,
                        new Request.AddAddress(Address.of(IpPrefix.parse("10.1.0.1/24"), 3)), 7, Uapi.NLM_F_ACK), false);
            }
            s.close();
        }
    }

    private static void capture(NetlinkSocket s, Arena arena, Path file, Consumer<MessageWriter> request,
            boolean dump) throws IOException {
        MessageWriter w = new MessageWriter();
        request.accept(w);
        MemorySegment send = arena.allocate(w.position());
        MemorySegment.copy(w.array(), 0, send, ValueLayout.JAVA_BYTE, 0, w.position());
        s.send(send, w.position());
        MemorySegment buf = arena.allocate(64 * 1024);
        StringBuilder sb = new StringBuilder();
        while (true) {
            int n = s.receive(buf, 0);
            byte[] b = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            sb.append(HexFormat.of().formatHex(b)).append('\n');
            // a dump ends with NLMSG_DONE (type 3) as the datagram's last message; a request with one reply
            if (!dump || List.of(3).contains(lastType(b))) {
                break;
            }
        }
        Files.writeString(file, sb.toString());
    }

    private static int lastType(byte[] b) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder());
        int type = -1;
        int pos = 0;
        while (pos + 16 <= b.length) {
            int len = bb.getInt(pos);
            type = Short.toUnsignedInt(bb.getShort(pos + 4));
            pos += (len + 3) & ~3;
        }
        return type;
    }
}
