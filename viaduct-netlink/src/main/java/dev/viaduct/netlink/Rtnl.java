package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Attributes;
import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.NetlinkMessage;
import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.netlink.ffm.NetlinkSocket;
import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * An rtnetlink (NETLINK_ROUTE) socket bound to one network namespace, with the operations the agent needs:
 * links, addresses, routes, neighbours/FDB, neighbour-table parameters — each a method that throws a
 * {@link NetlinkException} naming the request, or many at once through {@link #execute(List)}.
 *
 * <p><b>Batching.</b> {@link #execute(List)} packs up to {@link #maxBatch()} requests into one {@code sendmsg}
 * without NLM_F_ACK and ends the datagram with an NLMSG_NOOP that has NLM_F_ACK. The kernel handles the
 * messages of a datagram in order (netlink_rcv_skb) and answers a request without NLM_F_ACK only when it
 * fails, so when the NOOP's ACK arrives every earlier request has been answered: the errors received before
 * it, matched by sequence number, are exactly the failed requests, and the others succeeded. That makes
 * 100,000 route changes cost about 100 system calls instead of 200,000. Chunks are sized so that every
 * possible error fits the receive buffer; if the kernel still drops replies (ENOBUFS), the requests whose
 * outcome is unknown are reported as such rather than as successes. A request that needs a second step once
 * it succeeded (a veth whose peer is to be up) is sent on its own.
 *
 * <p><b>Socket options.</b> NETLINK_EXT_ACK (the kernel's error text), NETLINK_CAP_ACK (errors echo only the
 * request header), NETLINK_GET_STRICT_CHK (dumps filtered in the kernel by table/protocol/device), 4 MiB
 * buffers (SO_*BUFFORCE when privileged), and a 10 s receive timeout so a missing reply fails instead of
 * hanging.
 *
 * <p><b>Concurrency.</b> Thread-safe: every exchange (a request and all its replies, or a whole dump) holds
 * one {@link ReentrantLock}, so exchanges from several threads are serialised and replies never interleave.
 * Requests are processed by the kernel inside {@code sendmsg} and a dump's continuation inside
 * {@code recvmsg}, so a call blocks only while the kernel works (and waits for its RTNL mutex); calling from
 * virtual threads is fine — the carrier is held for the duration of the system call. The socket stays in the
 * namespace it was created in (open it with {@link NetNamespace#openRtnl()}), whatever thread uses it.
 *
 * <p>One class (~650 lines): the per-object methods are a few lines each over the same exchange, and the batch path
 * shares with them the socket, its lock and the sequence numbers that match errors to requests.
 */
public final class Rtnl implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Rtnl.class.getName());
    private static final int INITIAL_RECEIVE_BUFFER = 64 * 1024;
    private static final int SOCKET_BUFFER = 4 << 20;
    private static final long REPLY_TIMEOUT_MS = 10_000;
    /** Worst-case kernel memory charged to our receive queue per error reply (skb truesize, extack text). */
    private static final int ERROR_REPLY_BUDGET = 2048;
    private static final int MAX_DUMP_ATTEMPTS = 4;

    private final ReentrantLock lock = new ReentrantLock();
    private final NetlinkSocket socket;
    private final String where;
    /** Automatic (GC-freed) rather than shared: closing a shared arena would add ~100 us to every per-pod socket. */
    private final Arena arena = Arena.ofAuto();
    private final MessageWriter writer = new MessageWriter(8 * 1024);
    private final int maxBatch;
    private final int maxBatchBytes;
    private MemorySegment sendBuf;
    private MemorySegment recvBuf;
    private int seq;
    /** Datagrams dropped because they did not fit {@link #recvBuf}; a dump that saw one starts over. */
    private int truncations;

    private Rtnl(NetlinkSocket socket, String where, int socketBuffer) {
        this.socket = socket;
        this.where = where;
        try {
            socket.setInt(Uapi.SOL_NETLINK, Uapi.NETLINK_EXT_ACK, 1);
            socket.setInt(Uapi.SOL_NETLINK, Uapi.NETLINK_CAP_ACK, 1);
            socket.setInt(Uapi.SOL_NETLINK, Uapi.NETLINK_GET_STRICT_CHK, 1);
            int rcv = socket.setBufferSize(true, socketBuffer);
            int snd = socket.setBufferSize(false, socketBuffer);
            socket.setReceiveTimeout(REPLY_TIMEOUT_MS);
            this.maxBatch = Math.clamp(rcv / ERROR_REPLY_BUDGET, 16, 1024);
            this.maxBatchBytes = Math.clamp(snd / 4, 16 * 1024, 256 * 1024);
        } catch (ErrnoException e) {
            socket.close();
            throw NetlinkException.of("rtnetlink socket setup in " + where, e.errno(), null, e);
        }
        // Small to start with (a pod's socket sends a few hundred bytes); send() grows it for big batches.
        this.sendBuf = arena.allocate(16 * 1024, 8);
        this.recvBuf = arena.allocate(INITIAL_RECEIVE_BUFFER, 8);
        this.seq = (int) (System.nanoTime() & 0x3FFF_FFFF);
    }

    /** Opens an rtnetlink socket in the calling thread's network namespace. */
    public static Rtnl open() {
        return openHere("the caller's namespace");
    }

    /** Opens a socket in the calling thread's namespace; {@code where} names it in errors and logs. */
    static Rtnl openHere(String where) {
        return openHere(where, SOCKET_BUFFER);
    }

    /** As {@link #openHere(String)} with other socket buffer sizes (tests provoke overruns with tiny ones). */
    static Rtnl openHere(String where, int socketBuffer) {
        try {
            return new Rtnl(NetlinkSocket.open(Uapi.NETLINK_ROUTE), where, socketBuffer);
        } catch (ErrnoException e) {
            throw NetlinkException.of("rtnetlink socket in " + where, e.errno(), null, e);
        }
    }

    /** Requests per {@code sendmsg} in {@link #execute(List)} (derived from the receive buffer size). */
    public int maxBatch() {
        return maxBatch;
    }

    // ------------------------------------------------------------------ links

    /** All links ({@code ip link show}). */
    public List<Link> links() {
        return dump("link dump", Uapi.RTM_GETLINK, Uapi.RTM_NEWLINK, w -> {
            w.u8(Uapi.AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0);
            w.attrU32(Uapi.IFLA_EXT_MASK, Uapi.RTEXT_FILTER_SKIP_STATS);
        }, LinkCodec::decode, l -> true);
    }

    /** The link called {@code name}, if any ({@code ip link show dev <name>}). */
    public Optional<Link> link(String name) {
        LinkSettings.validateName(name);
        return get("link get " + name, Uapi.RTM_GETLINK, Uapi.RTM_NEWLINK, w -> {
            w.u8(Uapi.AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0);
            w.attrString(Uapi.IFLA_IFNAME, name);
            w.attrU32(Uapi.IFLA_EXT_MASK, Uapi.RTEXT_FILTER_SKIP_STATS);
        }, LinkCodec::decode);
    }

    /** The link with index {@code index}, if any. */
    public Optional<Link> link(int index) {
        if (index <= 0) {
            throw new IllegalArgumentException("ifindex " + index + " must be positive");
        }
        return get("link get #" + index, Uapi.RTM_GETLINK, Uapi.RTM_NEWLINK, w -> {
            w.u8(Uapi.AF_UNSPEC).u8(0).u16(0).u32(index).u32(0).u32(0);
            w.attrU32(Uapi.IFLA_EXT_MASK, Uapi.RTEXT_FILTER_SKIP_STATS);
        }, LinkCodec::decode);
    }

    /** {@code ip link add ...}: creates a veth pair, bridge, vxlan or ipip device. */
    public void addLink(LinkSpec spec) {
        execute(new Request.AddLink(spec));
    }

    /** {@code ip link set ...}: applies every change in {@code update} in one request. */
    public void updateLink(int index, LinkUpdate update) {
        execute(new Request.UpdateLink(index, update));
    }

    /** {@code ip link del}: for a veth, the peer goes too, in whatever namespace it is. */
    public void deleteLink(int index) {
        execute(new Request.DeleteLink(index));
    }

    // ------------------------------------------------------------------ addresses

    /** Addresses of {@code family} (INET, INET6 or UNSPEC for both), of every link or of link {@code ifindex} (0 = all). */
    public List<Address> addresses(AddressFamily family, int ifindex) {
        if (family == AddressFamily.BRIDGE) {
            throw new IllegalArgumentException("addresses are INET or INET6");
        }
        return dump("address dump", Uapi.RTM_GETADDR, Uapi.RTM_NEWADDR,
                w -> w.u8(family.code()).u8(0).u8(0).u8(0).u32(ifindex),
                AddressCodec::decode, a -> ifindex == 0 || a.ifindex() == ifindex);
    }

    public void addAddress(Address a) {
        execute(new Request.AddAddress(a));
    }

    public void replaceAddress(Address a) {
        execute(new Request.ReplaceAddress(a));
    }

    public void deleteAddress(Address a) {
        execute(new Request.DeleteAddress(a));
    }

    // ------------------------------------------------------------------ routes

    /** Every route of {@code family} in every table ({@code ip route show table all}). */
    public List<Route> routes(AddressFamily family) {
        return routes(family, 0, null);
    }

    /**
     * Routes of {@code family} in {@code table} (0 = all tables) installed by {@code protocol} (null = any),
     * filtered by the kernel (strict dump checking) and checked again here. A table that does not exist has
     * no routes.
     */
    public List<Route> routes(AddressFamily family, int table, RouteProtocol protocol) {
        if (family != AddressFamily.INET && family != AddressFamily.INET6) {
            throw new IllegalArgumentException("routes are INET or INET6, not " + family);
        }
        String op = "route dump " + family.name().toLowerCase() + (table != 0 ? " table " + Integer.toUnsignedString(table) : "")
                + (protocol != null ? " proto " + protocol : "");
        try {
            return dump(op, Uapi.RTM_GETROUTE, Uapi.RTM_NEWROUTE, w -> {
                w.u8(family.code()).u8(0).u8(0).u8(0)
                        .u8(Integer.compareUnsigned(table, 256) < 0 ? table : 0)
                        .u8(protocol == null ? 0 : protocol.code()).u8(0).u8(0).u32(0);
                if (table != 0) {
                    w.attrU32(Uapi.RTA_TABLE, table);
                }
            }, RouteCodec::decode, r -> (table == 0 || r.table() == table) && (protocol == null || r.protocol().equals(protocol)));
        } catch (NetlinkException.NotFound e) {
            if (table != 0) {
                return List.of(); // inet_dump_fib: "FIB table does not exist" (ENOENT)
            }
            throw e;
        }
    }

    /** {@code ip route add}: fails with {@link NetlinkException.AlreadyExists} if the route exists. */
    public void addRoute(Route r) {
        execute(new Request.AddRoute(r));
    }

    /** {@code ip route replace}. */
    public void replaceRoute(Route r) {
        execute(new Request.ReplaceRoute(r));
    }

    /** {@code ip route del}; see {@link Request.DeleteRoute} for what must match. */
    public void deleteRoute(Route r) {
        execute(new Request.DeleteRoute(r));
    }

    // ------------------------------------------------------------------ neighbours

    /**
     * Neighbour entries of {@code family} (INET, INET6; BRIDGE for the FDB), of every device or of
     * {@code ifindex} (0 = all) ({@code ip neigh show} / {@code bridge fdb show}).
     */
    public List<Neighbour> neighbours(AddressFamily family, int ifindex) {
        return dump("neighbour dump", Uapi.RTM_GETNEIGH, Uapi.RTM_NEWNEIGH, w -> {
            w.u8(family.code()).u8(0).u16(0).u32(0).u16(0).u8(0).u8(0);
            if (ifindex != 0) {
                w.attrU32(Uapi.NDA_IFINDEX, ifindex);
            }
        }, NeighbourCodec::decode, n -> (ifindex == 0 || n.ifindex() == ifindex)
                && (family == AddressFamily.UNSPEC || n.family() == family));
    }

    public void addNeighbour(Neighbour n) {
        execute(new Request.AddNeighbour(n));
    }

    public void replaceNeighbour(Neighbour n) {
        execute(new Request.ReplaceNeighbour(n));
    }

    public void appendNeighbour(Neighbour n) {
        execute(new Request.AppendNeighbour(n));
    }

    public void deleteNeighbour(Neighbour n) {
        execute(new Request.DeleteNeighbour(n));
    }

    /** {@code net.ipv4.neigh.<dev>.proxy_delay} (or IPv6's) through RTM_SETNEIGHTBL. */
    public void setProxyDelay(AddressFamily family, int ifindex, Duration delay) {
        execute(new Request.SetProxyDelay(family, ifindex, delay));
    }

    /**
     * The proxy_delay of {@code ifindex}'s neighbour parameters, read back with an RTM_GETNEIGHTBL dump
     * (each table is reported once with its defaults and once per device with NDTPA_IFINDEX).
     */
    public Optional<Duration> proxyDelay(AddressFamily family, int ifindex) {
        String name = family == AddressFamily.INET ? "arp_cache" : "ndisc_cache";
        List<Duration> found = dump("neighbour table dump", Uapi.RTM_GETNEIGHTBL, Uapi.RTM_NEWNEIGHTBL,
                w -> w.u8(family.code()).u8(0).u16(0), (body, ctx) -> {
                    Attributes a = Attributes.parse(body, Uapi.NDTMSG_SIZE, body.limit(), Tables.NEIGH_TABLE, ctx);
                    if (!name.equals(a.string(Uapi.NDTA_NAME, "")) || !a.has(Uapi.NDTA_PARMS)) {
                        return null;
                    }
                    Attributes p = a.nested(Uapi.NDTA_PARMS);
                    if (p.u32(Uapi.NDTPA_IFINDEX, 0) != ifindex || !p.has(Uapi.NDTPA_PROXY_DELAY)) {
                        return null;
                    }
                    return Duration.ofMillis(p.u64(Uapi.NDTPA_PROXY_DELAY));
                }, d -> d != null);
        return found.stream().findFirst();
    }

    // ------------------------------------------------------------------ requests

    /** Sends one request with NLM_F_ACK and waits for its answer; throws if the kernel refused it. */
    public void execute(Request r) {
        lock.lock();
        try {
            exchange(r);
            Request next = RequestEncoder.followUp(r);
            if (next != null) {
                try {
                    exchange(next);
                } catch (NetlinkException e) {
                    // nothing half-created: remove what the first step made, then report the failed step
                    try {
                        exchange(RequestEncoder.undo(r));
                    } catch (NetlinkException undo) {
                        e.addSuppressed(undo);
                    }
                    throw NetlinkException.of(r + " (then " + next + ")", e.errno(), e.kernelMessage(), e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void exchange(Request r) {
        lock.lock();
        try {
            ensureOpen();
            writer.clear();
            int s = nextSeq();
            RequestEncoder.encode(writer, r, s, Uapi.NLM_F_ACK);
            send(r.toString());
            while (true) {
                ByteBuffer buf = receive(r.toString());
                while (buf.hasRemaining()) {
                    if (NetlinkMessage.decode(buf) instanceof NetlinkMessage.Error e && e.header().seq() == s) {
                        if (e.isAck()) {
                            return;
                        }
                        throw NetlinkException.of(r.toString(), e.errno(), e.extAck().message());
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends every request, many per {@code sendmsg} (see the class comment), and returns each one's outcome
     * in order. Never throws for a refused request — that is in the result — only for a failure of the
     * socket itself.
     */
    public BatchResult execute(List<Request> requests) {
        NetlinkException[] errors = new NetlinkException[requests.size()];
        lock.lock();
        try {
            ensureOpen();
            int i = 0;
            while (i < requests.size()) {
                if (RequestEncoder.followUp(requests.get(i)) != null) {
                    try {
                        execute(requests.get(i));
                    } catch (NetlinkException e) {
                        errors[i] = e;
                    }
                    i++;
                } else {
                    i = executeChunk(requests, i, errors);
                }
            }
        } finally {
            lock.unlock();
        }
        return new BatchResult(requests, Arrays.asList(errors));
    }

    private int executeChunk(List<Request> requests, int first, NetlinkException[] errors) {
        writer.clear();
        int baseSeq = seq + 1;
        int i = first;
        while (i < requests.size() && i - first < maxBatch && writer.position() < maxBatchBytes
                && RequestEncoder.followUp(requests.get(i)) == null) {
            int s = nextSeq();
            int mark = writer.position();
            try {
                RequestEncoder.encode(writer, requests.get(i), s, 0);
            } catch (IllegalArgumentException e) {
                writer.truncate(mark);
                errors[i] = NetlinkException.of(requests.get(i).toString(), Errno.EINVAL, e.getMessage(), e);
            }
            i++;
        }
        int count = i - first;
        int barrier = nextSeq();
        int start = writer.begin(Uapi.NLMSG_NOOP, Uapi.NLM_F_REQUEST | Uapi.NLM_F_ACK, barrier);
        writer.end(start);
        String op = "batch of " + count + " requests";
        send(op);
        boolean lost = false;
        boolean done = false;
        while (!done) {
            ByteBuffer buf;
            try {
                buf = lost ? receiveNow(op) : receive(op);
            } catch (NetlinkException e) {
                if (e.errno() == Errno.ENOBUFS) {
                    // Replies were dropped. The kernel answered every request during sendmsg, so whatever
                    // survived is already queued: drain it without blocking, then report the rest as unknown.
                    lost = true;
                    continue;
                }
                throw e;
            }
            if (buf == null) {
                break;
            }
            while (buf.hasRemaining()) {
                if (NetlinkMessage.decode(buf) instanceof NetlinkMessage.Error e) {
                    int s = e.header().seq();
                    if (s == barrier) {
                        done = true;
                    } else if (!e.isAck() && s - baseSeq >= 0 && s - baseSeq < count) {
                        int idx = first + (s - baseSeq);
                        errors[idx] = NetlinkException.of(requests.get(idx).toString(), e.errno(), e.extAck().message());
                    }
                }
            }
        }
        if (lost || !done) {
            LOG.log(System.Logger.Level.WARNING, "netlink batch replies lost ns={0} requests={1}", where, count);
            for (int k = first; k < i; k++) {
                if (errors[k] == null) {
                    errors[k] = NetlinkException.of(requests.get(k).toString(), Errno.ENOBUFS,
                            "reply lost to a receive buffer overrun: outcome unknown, re-read the kernel state");
                }
            }
        }
        return i;
    }

    // ------------------------------------------------------------------ exchanges

    /** Decodes one RTM_* body; {@code context} names it in decode errors. */
    interface BodyDecoder<T> {
        T decode(ByteBuffer body, String context);
    }

    private <T> Optional<T> get(String op, int type, int replyType, Consumer<MessageWriter> body, BodyDecoder<T> decoder) {
        lock.lock();
        try {
            ensureOpen();
            writer.clear();
            int s = nextSeq();
            int start = writer.begin(type, Uapi.NLM_F_REQUEST, s);
            body.accept(writer);
            writer.end(start);
            send(op);
            while (true) {
                ByteBuffer buf = receive(op);
                while (buf.hasRemaining()) {
                    NetlinkMessage m = NetlinkMessage.decode(buf);
                    if (m.header().seq() != s) {
                        continue;
                    }
                    switch (m) {
                        case NetlinkMessage.Payload p when p.header().type() == replyType -> {
                            return Optional.of(decoder.decode(p.body(), op));
                        }
                        case NetlinkMessage.Error e when !e.isAck() -> {
                            NetlinkException x = NetlinkException.of(op, e.errno(), e.extAck().message());
                            if (x instanceof NetlinkException.NotFound) {
                                return Optional.empty();
                            }
                            throw x;
                        }
                        default -> {
                        }
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private <T> List<T> dump(String op, int type, int replyType, Consumer<MessageWriter> header, BodyDecoder<T> decoder,
            Predicate<T> keep) {
        lock.lock();
        try {
            ensureOpen();
            for (int attempt = 1; ; attempt++) {
                writer.clear();
                int s = nextSeq();
                int start = writer.begin(type, Uapi.NLM_F_REQUEST | Uapi.NLM_F_DUMP, s);
                header.accept(writer);
                writer.end(start);
                send(op);
                List<T> out = new ArrayList<>();
                boolean interrupted = false;
                int truncatedBefore = truncations;
                RuntimeException failure = null;
                boolean done = false;
                while (!done) {
                    ByteBuffer buf = receive(op);
                    while (buf.hasRemaining()) {
                        NetlinkMessage m = NetlinkMessage.decode(buf);
                        if (m.header().seq() != s) {
                            continue;
                        }
                        interrupted |= m.header().has(Uapi.NLM_F_DUMP_INTR);
                        switch (m) {
                            case NetlinkMessage.Payload p when p.header().type() == replyType -> {
                                if (failure != null) {
                                    continue;
                                }
                                try {
                                    T v = decoder.decode(p.body(), op);
                                    if (v != null && keep.test(v)) {
                                        out.add(v);
                                    }
                                } catch (NetlinkDecodeException e) {
                                    failure = e; // keep draining: the kernel refuses a new dump while this one runs
                                }
                            }
                            case NetlinkMessage.Done d -> {
                                done = true;
                                if (d.errno() != 0 && failure == null) {
                                    failure = NetlinkException.of(op, d.errno(), d.extAck().message());
                                }
                            }
                            case NetlinkMessage.Error e when !e.isAck() -> {
                                done = true;
                                if (failure == null) {
                                    failure = NetlinkException.of(op, e.errno(), e.extAck().message());
                                }
                            }
                            default -> {
                            }
                        }
                    }
                }
                if (failure != null) {
                    throw failure;
                }
                if (!interrupted && truncations == truncatedBefore) {
                    return out;
                }
                if (attempt >= MAX_DUMP_ATTEMPTS) {
                    throw NetlinkException.of(op, Errno.EINTR, "dump interrupted by concurrent changes " + attempt + " times");
                }
                LOG.log(System.Logger.Level.DEBUG, "netlink dump retried op={0} ns={1} interrupted={2}", op, where, interrupted);
            }
        } finally {
            lock.unlock();
        }
    }

    private int nextSeq() {
        seq++;
        if (seq == 0) {
            seq = 1;
        }
        return seq;
    }

    private void send(String op) {
        int len = writer.position();
        if (sendBuf.byteSize() < len) {
            sendBuf = arena.allocate(Math.max(len, sendBuf.byteSize() * 2), 8);
        }
        MemorySegment.copy(writer.array(), 0, sendBuf, ValueLayout.JAVA_BYTE, 0, len);
        try {
            socket.send(sendBuf, len);
        } catch (ErrnoException e) {
            throw NetlinkException.of(op, e.errno(), "sendmsg of " + len + " bytes failed", e);
        }
    }

    /** Blocks (up to the receive timeout) for the next datagram from the kernel. */
    private ByteBuffer receive(String op) {
        while (true) {
            ByteBuffer b = receiveOnce(op, 0);
            if (b != null) {
                return b;
            }
        }
    }

    /** The next queued datagram from the kernel, or null when none is queued. */
    private ByteBuffer receiveNow(String op) {
        try {
            while (true) {
                ByteBuffer b = receiveOnce(op, Libc.MSG_DONTWAIT);
                if (b != null) {
                    return b;
                }
            }
        } catch (NetlinkException e) {
            if (e.errno() == Errno.EAGAIN) {
                return null;
            }
            throw e;
        }
    }

    private ByteBuffer receiveOnce(String op, int flags) {
        int n;
        try {
            n = socket.receive(recvBuf, flags);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN && flags == 0) {
                throw NetlinkException.of(op, Errno.ETIMEDOUT, "no reply within " + REPLY_TIMEOUT_MS + " ms", e);
            }
            throw NetlinkException.of(op, e.errno(), null, e);
        }
        if (socket.lastSender() != 0) {
            LOG.log(System.Logger.Level.DEBUG, "netlink datagram from port {0} ignored ns={1}", socket.lastSender(), where);
            return null;
        }
        if (n > recvBuf.byteSize()) {
            // The datagram was cut: drop it, grow, and let a dump start over (a request's reply is small).
            truncations++;
            LOG.log(System.Logger.Level.INFO, "netlink datagram truncated bytes={0} buffer={1} ns={2}", n, recvBuf.byteSize(), where);
            recvBuf = arena.allocate(Math.max(n, recvBuf.byteSize() * 2), 8);
            return ByteBuffer.allocate(0);
        }
        return recvBuf.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    private void ensureOpen() {
        if (socket.isClosed()) {
            throw new IllegalStateException("rtnetlink socket in " + where + " is closed");
        }
    }

    /** Closes the socket; waits for an exchange in progress to finish. */
    @Override
    public void close() {
        lock.lock();
        try {
            socket.close();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Rtnl[" + where + ", port " + Integer.toUnsignedString(socket.portId()) + "]";
    }
}
