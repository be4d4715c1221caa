package dev.viaduct.netlink;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.NetlinkMessage;
import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.netlink.ffm.NetlinkSocket;
import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A subscription to rtnetlink multicast groups in one namespace, delivering typed {@link NetlinkEvent}s to a
 * consumer — so the agent notices when someone else deletes its routes or a pod's veth disappears.
 *
 * <p>If the kernel drops notifications because the receive buffer is full, {@code recvmsg} fails once with
 * ENOBUFS (netlink(7)); that becomes {@link NetlinkEvent.ResyncNeeded}, and the consumer must re-dump. A
 * larger buffer (see {@link #subscribe(NetNamespace, Set, int, Consumer)}) makes that rarer, never
 * impossible.
 *
 * <p>Concurrency: the socket is confined to one dedicated platform reader thread (it blocks in
 * {@code poll(2)}, an FFM downcall, which must not pin a virtual thread's carrier). The consumer is called on
 * that thread, one event at a time, in kernel order; it should hand work off rather than block. {@link #close}
 * may be called from any thread (including the consumer): it wakes the reader through an eventfd, and the
 * reader closes the socket itself.
 */
public final class NetlinkEvents implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NetlinkEvents.class.getName());
    /** Default receive buffer: room for tens of thousands of route notifications. */
    public static final int DEFAULT_RECEIVE_BUFFER = 8 << 20;

    /** The rtnetlink multicast groups (linux/rtnetlink.h {@code enum rtnetlink_groups}). */
    public enum Group {
        LINK(Uapi.RTNLGRP_LINK),
        NEIGHBOUR(Uapi.RTNLGRP_NEIGH),
        IPV4_ADDRESS(Uapi.RTNLGRP_IPV4_IFADDR),
        IPV4_ROUTE(Uapi.RTNLGRP_IPV4_ROUTE),
        IPV6_ADDRESS(Uapi.RTNLGRP_IPV6_IFADDR),
        IPV6_ROUTE(Uapi.RTNLGRP_IPV6_ROUTE);

        private final int number;

        Group(int number) {
            this.number = number;
        }
    }

    private final NetlinkSocket socket;
    private final int wakeFd;
    private final Consumer<NetlinkEvent> sink;
    private final String where;
    private final Thread reader;
    private volatile boolean closing;
    /** Guards {@link #wakeFd}: close() writes to it and the reader closes it, never the one after the other. */
    private final Object wakeLock = new Object();
    private boolean wakeClosed;

    private NetlinkEvents(NetlinkSocket socket, int wakeFd, Consumer<NetlinkEvent> sink, String where) {
        this.socket = socket;
        this.wakeFd = wakeFd;
        this.sink = sink;
        this.where = where;
        this.reader = Thread.ofPlatform().daemon().name("netlink-events " + where).unstarted(this::readLoop);
    }

    /** Subscribes with the {@linkplain #DEFAULT_RECEIVE_BUFFER default receive buffer}. */
    public static NetlinkEvents subscribe(NetNamespace ns, Set<Group> groups, Consumer<NetlinkEvent> sink) {
        return subscribe(ns, groups, DEFAULT_RECEIVE_BUFFER, sink);
    }

    /**
     * Joins {@code groups} in {@code ns} and starts delivering their events to {@code sink}. The subscription
     * is active when this returns: changes made afterwards are reported.
     */
    public static NetlinkEvents subscribe(NetNamespace ns, Set<Group> groups, int receiveBufferBytes,
            Consumer<NetlinkEvent> sink) {
        Objects.requireNonNull(sink, "sink");
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("subscribe to at least one group");
        }
        String where = ns.toString();
        NetlinkSocket socket = NamespaceSwitcher.instance().call(ns.fd(), () -> {
            try {
                return NetlinkSocket.open(Uapi.NETLINK_ROUTE);
            } catch (ErrnoException e) {
                throw NetlinkException.of("event socket in " + where, e.errno(), null, e);
            }
        });
        int wake = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            socket.setBufferSize(true, receiveBufferBytes);
            for (Group g : groups) {
                socket.joinGroup(g.number);
            }
            wake = Libc.eventfd(st, 0, Libc.EFD_CLOEXEC);
            NetlinkEvents events = new NetlinkEvents(socket, wake, sink, where);
            events.reader.start();
            return events;
        } catch (ErrnoException e) {
            socket.close();
            if (wake >= 0) {
                try (Arena a = Arena.ofConfined()) {
                    Libc.close(Libc.newCallState(a), wake);
                }
            }
            throw NetlinkException.of("event subscription " + groups + " in " + where, e.errno(), null, e);
        }
    }

    private void readLoop() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            // struct pollfd {int fd; short events; short revents;} x 2: the netlink socket and the wake-up eventfd
            MemorySegment fds = arena.allocate(16, 4);
            fds.set(JAVA_INT, 0, socket.fd());
            fds.set(JAVA_SHORT, 4, Libc.POLLIN);
            fds.set(JAVA_INT, 8, wakeFd);
            fds.set(JAVA_SHORT, 12, Libc.POLLIN);
            MemorySegment buf = arena.allocate(256 * 1024, 8);
            while (!closing) {
                fds.set(JAVA_SHORT, 6, (short) 0);
                fds.set(JAVA_SHORT, 14, (short) 0);
                try {
                    Libc.poll(st, fds, 2, -1);
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.EINTR) {
                        continue;
                    }
                    throw e;
                }
                if (closing || fds.get(JAVA_SHORT, 14) != 0) {
                    break;
                }
                drain(buf);
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "netlink event reader failed ns={0} error={1}", where, e.toString());
            deliver(new NetlinkEvent.ResyncNeeded("event reader stopped: " + e));
        } finally {
            socket.close();
            synchronized (wakeLock) {
                wakeClosed = true;
                try (Arena arena = Arena.ofConfined()) {
                    Libc.close(Libc.newCallState(arena), wakeFd);
                }
            }
        }
    }

    /** Reads every queued datagram without blocking. */
    private void drain(MemorySegment buf) {
        while (!closing) {
            int n;
            try {
                n = socket.receive(buf, Libc.MSG_DONTWAIT);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EAGAIN) {
                    return;
                }
                if (e.errno() == Errno.ENOBUFS) {
                    LOG.log(System.Logger.Level.WARNING, "netlink events lost ns={0} reason=ENOBUFS", where);
                    deliver(new NetlinkEvent.ResyncNeeded("receive buffer overrun (ENOBUFS): notifications were lost"));
                    continue;
                }
                throw e;
            }
            if (socket.lastSender() != 0) {
                continue; // only the kernel may tell us about the kernel
            }
            if (n > buf.byteSize()) {
                deliver(new NetlinkEvent.ResyncNeeded("notification of " + n + " bytes truncated"));
                continue;
            }
            ByteBuffer b = buf.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder());
            try {
                while (b.hasRemaining()) {
                    if (NetlinkMessage.decode(b) instanceof NetlinkMessage.Payload p) {
                        NetlinkEvent ev = EventDecoder.decode(p.header().type(), p.body());
                        if (ev != null) {
                            deliver(ev);
                        }
                    }
                }
            } catch (NetlinkDecodeException e) {
                LOG.log(System.Logger.Level.WARNING, "undecodable netlink notification ns={0} error={1}", where, e.getMessage());
                deliver(new NetlinkEvent.ResyncNeeded("undecodable notification: " + e.getMessage()));
            }
        }
    }

    private void deliver(NetlinkEvent e) {
        try {
            sink.accept(e);
        } catch (RuntimeException x) {
            LOG.log(System.Logger.Level.WARNING, "netlink event consumer failed ns={0} event={1} error={2}", where, e, x.toString());
        }
    }

    /** Stops the subscription; waits for the reader to finish unless called from the consumer itself. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        synchronized (wakeLock) {
            if (!wakeClosed) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment one = arena.allocate(JAVA_LONG);
                    one.set(JAVA_LONG, 0, 1L);
                    Libc.write(Libc.newCallState(arena), wakeFd, one, 8);
                } catch (ErrnoException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot wake netlink event reader ns={0} errno={1}", where, e.errno());
                }
            }
        }
        if (Thread.currentThread() != reader) {
            try {
                reader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
