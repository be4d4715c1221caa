package dev.viaduct.bgp.speaker;

import dev.viaduct.bgp.rib.InboundUpdate;
import dev.viaduct.bgp.rib.LocalRoute;
import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.rib.Policy;
import dev.viaduct.bgp.rib.Rib;
import dev.viaduct.bgp.rib.RibPeer;
import dev.viaduct.bgp.wire.AsPathSegment;
import dev.viaduct.bgp.wire.AttributeError;
import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PathAttribute;
import dev.viaduct.bgp.wire.PrefixList;
import dev.viaduct.sys.net.IpPrefix;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Runs the UPDATE receive path on synthetic data before the JVM's first speaker takes a session, so the JIT
 * has compiled it when a real table arrives. A cold JVM interprets the decode and RIB loops for the first
 * ~100k routes and links dozens of lambdas and pattern switches between a connection and its first route;
 * bench/bgp measured a 100k-route table at ~3.3x BIRD's load time cold and ~1.1x after this warm-up. After an
 * agent restart that first load is the one that matters: every peer sends its whole table at once.
 *
 * <p>What runs is the production code, not a copy: (1) header and message decode from an {@link InputStream},
 * {@link InboundUpdate#convert} and {@link Rib#apply} into a scratch RIB, with events and a reflector client to
 * export to, then without either, announce then withdraw; (2) a real session between two quiet speakers over
 * {@link MemoryTransport} (no socket) carrying a tenth of the routes. Then it waits for the JIT's queue. Once per
 * JVM: several speakers in one process (tests, bench/bgp-scale) share the compiled code. It runs on the starting
 * thread before the speaker listens, so it never competes with a real session; the cost is start-up time
 * (~0.3-0.6 s at the default size on 2 cores).
 *
 * <p>It changes no JVM-wide setting and forces no collection: what to do with the garbage it leaves (a few tens of
 * MiB at the default size) is the embedding binary's decision. A binary that wants it collected before the first
 * table calls {@link #once} itself before its first speaker starts and collects after it (viaduct-cli's
 * {@code BgpWarmup}, used by {@code viaduct agent}, {@code viaduct bgp} and bench/bgp); the speaker's own call is
 * then a no-op.
 */
public final class JitWarmup {
    private static final Logger LOG = System.getLogger(JitWarmup.class.getName());
    private static final AtomicBoolean DONE = new AtomicBoolean();

    private JitWarmup() {
    }

    /**
     * Runs the warm-up with {@code prefixes} synthetic routes unless this JVM already did (or {@code prefixes} is 0);
     * returns its time in ns, or -1 when it did not run or failed (a failure costs speed, never correctness).
     */
    public static long once(int prefixes) {
        if (prefixes <= 0 || !DONE.compareAndSet(false, true)) {
            return -1;
        }
        long t0 = System.nanoTime();
        try {
            run(prefixes);
            session(Math.max(100, prefixes / 10));
            awaitQuietCompiler();
        } catch (IOException | BgpDecodeException | RuntimeException e) {
            // a warm-up failure costs speed, never correctness: say so and carry on cold
            LOG.log(Level.WARNING, "event=jit-warmup-failed {0}", e.toString());
            return -1;
        }
        long ns = System.nanoTime() - t0;
        LOG.log(Level.DEBUG, "event=jit-warmup routes={0} ms={1}", prefixes, ns / 1_000_000);
        return ns;
    }

    static void run(int prefixes) throws IOException, BgpDecodeException {
        CodecOptions codec = CodecOptions.FOUR_OCTET_AS;
        long as = 64_512;
        int routerId = 0x0A_FF_FF_01;
        // a listener that drops the events: the agent subscribes, so the event-building path is part of its load
        Rib rib = new Rib(new Rib.Settings(as, routerId, routerId, false, 100, 360), null, events -> {
        });
        InetAddress source = address(10, 255, 255, 2);
        InetAddress client = address(10, 255, 255, 3);
        InetAddress local = address(10, 255, 255, 1);
        RibPeer src = rib.addPeer(new RibPeer.Settings("warmup-source", as, false, false, Policy.ACCEPT_ALL,
                Policy.REJECT_ALL, null, null));
        RibPeer dst = rib.addPeer(new RibPeer.Settings("warmup-client", as, true, false, Policy.ACCEPT_ALL,
                Policy.ACCEPT_ALL, null, null));
        long[] sent = new long[1];
        rib.peerUp(src, new RibPeer.Session(source, 0x0A_FF_FF_02, local, EnumSet.of(Family.IPV4_UNICAST), codec, true,
                null, b -> sent[0] += b.length), 0);
        rib.peerUp(dst, new RibPeer.Session(client, 0x0A_FF_FF_03, local, EnumSet.of(Family.IPV4_UNICAST), codec, true,
                null, b -> sent[0] += b.length), 0);
        InboundUpdate.Context ctx = new InboundUpdate.Context(as, routerId, routerId, as, true, local);

        // round 1 as in the agent: best-path events on, a reflector client to export to. A quarter of the
        // routes: this path allocates the most (events, Adj-RIB-Out) and its code is the same per route.
        int first = Math.max(100, prefixes / 4);
        receive(rib, src, ctx, codec, stream(first, 100, false, codec));
        receive(rib, src, ctx, codec, stream(first, 100, true, codec));
        if (rib.locRibSize(Family.IPV4_UNICAST) != 0 || sent[0] == 0) {
            throw new IllegalStateException("warm-up RIB ended with " + rib.locRibSize(Family.IPV4_UNICAST)
                    + " routes and " + sent[0] + " bytes exported");
        }
        // round 2 as in a route server or bench/bgp: nobody subscribed, nobody to export to. Without it the
        // compiled code has never seen these branches and is thrown away (uncommon trap) on the first real table.
        // Small UPDATEs, twice over a table of a quarter of the routes: C2 picks a method by its call count,
        // and the per-UPDATE methods (decode, convert, apply) need thousands of calls, not thousands of routes.
        rib.enableEvents(false);
        rib.peerDown(dst, false, 0);
        byte[] announce = stream(prefixes / 4, 10, false, codec);
        byte[] withdraw = stream(prefixes / 4, 10, true, codec);
        for (int pass = 0; pass < 2; pass++) {
            receive(rib, src, ctx, codec, announce);
            receive(rib, src, ctx, codec, withdraw);
        }
    }

    /**
     * Waits (at most 2 s) until the JIT has had nothing to compile for 50 ms: the warm-up queued the hot
     * methods for C2 and on 2 cores the queue can outlast the warm-up itself. Reads the compile-time counter,
     * the only standard view of the compiler's work; without one it does not wait.
     */
    private static void awaitQuietCompiler() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < 50_000_000L) {
            LockSupport.parkNanos(5_000_000L);
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    /**
     * A real session between two speakers over {@link MemoryTransport}: the sender originates {@code routes}
     * /24s, the receiver must learn them, then the sender withdraws them. This is what the scratch RIB cannot
     * reach: the FSM, the reader and writer threads, the RIB thread's queue, End-of-RIB, and the lambdas and
     * pattern switches the JVM links on first use (each costs milliseconds cold, and there are dozens between
     * a connection and its first route).
     */
    static void session(int routes) throws IOException {
        InetAddress receiverAddress = address(10, 255, 255, 1);
        InetAddress senderAddress = address(10, 255, 255, 2);
        MemoryTransport[] net = MemoryTransport.network(receiverAddress, senderAddress);
        InetSocketAddress listen = new InetSocketAddress(receiverAddress, 179);
        long as = 64_512;
        SpeakerConfig rc = SpeakerConfig.builder(as, (Inet4Address) receiverAddress).listen(listen).gracefulRestart(null)
                .peer(PeerConfig.builder(senderAddress, as).name("jit-warmup-sender").passive(true).build()).build();
        SpeakerConfig.Builder sb = SpeakerConfig.builder(as, (Inet4Address) senderAddress).gracefulRestart(null)
                .peer(PeerConfig.builder(receiverAddress, as).name("jit-warmup-receiver").build());
        List<IpPrefix> prefixes = new ArrayList<>(routes);
        for (int i = 0; i < routes; i++) {
            prefixes.add(IpPrefix.v4(0x64_40_00_00 + (i << 8), 24));
        }
        for (IpPrefix p : prefixes) {
            sb.route(LocalRoute.of(p));
        }
        try (BgpSpeaker receiver = BgpSpeaker.start(rc, net[0], NextHopResolver.ALL_REACHABLE, System::nanoTime, true);
                BgpSpeaker sender = BgpSpeaker.start(sb.build(), net[1], NextHopResolver.ALL_REACHABLE, System::nanoTime, true)) {
            awaitLocRib(receiver, routes);
            for (IpPrefix p : prefixes) {
                sender.withdraw(p);
            }
            awaitLocRib(receiver, 0);
        }
    }

    private static void awaitLocRib(BgpSpeaker s, int size) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (s.locRibSize(Family.IPV4_UNICAST) != size) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("warm-up session: the receiver has " + s.locRibSize(Family.IPV4_UNICAST)
                        + " routes after 5 s, expected " + size);
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    /** The reader's loop of {@code PeerSession}: header, body, decode, convert, apply; a flush per batch like {@code RibOwner}. */
    private static void receive(Rib rib, RibPeer peer, InboundUpdate.Context ctx, CodecOptions codec, byte[] stream)
            throws IOException, BgpDecodeException {
        InputStream in = new ByteArrayInputStream(stream);
        byte[] header = new byte[BgpCodec.HEADER_LENGTH];
        int n = 0;
        while (in.readNBytes(header, 0, header.length) == header.length) {
            BgpCodec.Header h = BgpCodec.decodeHeader(header, 0);
            byte[] whole = new byte[h.length()];
            System.arraycopy(header, 0, whole, 0, header.length);
            in.readNBytes(whole, header.length, whole.length - header.length);
            List<AttributeError> soft = new ArrayList<>(0);
            BgpMessage m = BgpCodec.decode(whole, 0, whole.length, codec, soft);
            if (m instanceof BgpMessage.Update u) {
                rib.apply(peer, InboundUpdate.convert(u, ctx, soft), 0);
            }
            if (++n % 64 == 0) {
                rib.flush();
            }
        }
        rib.flush();
    }

    /**
     * A peer's table as it comes off the wire: {@code perUpdate} /24s per UPDATE, each UPDATE with its own AS path
     * (or the same prefixes withdrawn), after an OPEN and with a KEEPALIVE every 64 messages, so that the
     * decoder has seen every message type it meets in a session (one it has not seen costs a recompilation).
     */
    private static byte[] stream(int prefixes, int perUpdate, boolean withdraw, CodecOptions codec) {
        var out = new java.io.ByteArrayOutputStream(prefixes * 5 + prefixes / perUpdate * 64);
        out.writeBytes(BgpCodec.encode(new BgpMessage.Open(BgpCodec.BGP_VERSION, BgpMessage.Open.AS_TRANS, 90, 0x0A_FF_FF_02,
                List.of(new Capability.Multiprotocol(Family.IPV4_UNICAST), new Capability.RouteRefreshSupport(),
                        new Capability.FourOctetAs(64_512))), codec));
        PrefixList none = PrefixList.empty(Family.IPV4_UNICAST);
        for (int i = 0, n = 0; i < prefixes; i += perUpdate, n++) {
            PrefixList block = block(i, Math.min(perUpdate, prefixes - i));
            BgpMessage.Update u = withdraw ? new BgpMessage.Update(block, List.of(), none)
                    : new BgpMessage.Update(none, List.of(PathAttribute.Origin.IGP_ORIGIN,
                            new PathAttribute.AsPath(List.of(AsPathSegment.sequence(64_513 + n % 1000, 64_600 + i % 7))),
                            new PathAttribute.NextHop(0x0A_FF_FF_02), new PathAttribute.LocalPref(100)), block);
            out.writeBytes(BgpCodec.encode(u, codec));
            if (n % 64 == 63) {
                out.writeBytes(BgpCodec.encode(BgpMessage.Keepalive.INSTANCE, codec));
            }
        }
        return out.toByteArray();
    }

    /** {@code count} consecutive /24s, the first at 100.64.0.0 + {@code first} /24s (the scratch RIB never leaves this class). */
    private static PrefixList block(int first, int count) {
        PrefixList.Builder b = PrefixList.builder(Family.IPV4_UNICAST, count);
        for (int k = 0; k < count; k++) {
            b.add(IpPrefix.v4(0x64_40_00_00 + ((first + k) << 8), 24));
        }
        return b.build();
    }

    private static InetAddress address(int a, int b, int c, int d) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    }
}
