import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * bench/bgp-scale/rr-herd's clients: N iBGP route-reflector clients of one reflector process, emulated in this one
 * JVM at the codec level (a few hand-built messages, no RIB), so that 1000 sessions cost the client side a selector
 * thread and a few hundred bytes each and the reflector, not the clients, is what is measured.
 *
 * <p>Client i has its own loopback address (base + i: 127.78.1.1, 127.78.1.2, ...), its own BGP identifier (that
 * address), AS 65000, hold time 90 s, capabilities IPv4 unicast (RFC 4760) and 4-octet AS (RFC 6793). Every client
 * opens its connection at the same moment (the thundering herd), answers the reflector's OPEN with a KEEPALIVE
 * (RFC 4271 §8.2.2: OpenConfirm), and once the reflector's KEEPALIVE arrives (Established) announces its own /26
 * (10.64.0.0/26 + i) with ORIGIN IGP, an empty AS_PATH, NEXT_HOP its address and LOCAL_PREF 100. A client counts the
 * other clients' /26s it has received; the initial convergence ends when every client holds all N-1.
 *
 * <p>Then K events: a random client announces a new /26 (10.128.0.0/26 + k) and the clock runs until every other
 * client has it; then it withdraws it and the clock runs until every other client has seen the withdrawal. A
 * connection that fails before Established is reopened after 1 s (a real client's connect retry, shortened), and
 * so is one that has no OPEN from the reflector 5 s after it was opened: RFC 4271 §8.2.2 gives OpenSent a hold
 * timer of about 4 minutes, which is what a client really waits when a reflector's listen queue overflowed, the
 * kernel dropped the handshake's last ACK and the client's OPEN went nowhere; 5 s keeps the run short.
 *
 * <p>The reflector's CPU (utime + stime) and memory (VmHWM, VmRSS) come from /proc/PID of the process given.
 * Prints one {@code result key=value ...} line on stdout; progress and errors on stderr.
 *
 * <p>Concurrency: one selector thread owns every connection and all per-client state; the main thread only starts
 * the phases (through {@link #commands}) and waits on latches the selector thread counts down.
 */
public final class RrHerd {
    static final int AS = 65000;
    static final int HOLD = 90;
    static final long OPEN_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final int FIRST_BLOCK = 0x0A400000; // 10.64.0.0
    static final int EVENT_BLOCK = 0x0A800000; // 10.128.0.0

    final int n;
    final InetSocketAddress reflector;
    final int[] addr;
    final Client[] clients;
    final Selector selector;
    final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
    final Queue<Runnable> commands = new ArrayDeque<>();
    final CountDownLatch established;
    final CountDownLatch converged;
    volatile long establishedAt;
    volatile long convergedAt;
    volatile long failures;
    volatile String lastFailure = "";
    // the current event: the prefix, whether it is an announcement, who sent it, how many clients still lack it
    int eventPrefix = -1;
    boolean eventAnnounce;
    int eventSender = -1;
    int eventRemaining;
    long eventSentAt;
    CountDownLatch eventDone;
    volatile long eventDoneAt;
    BitSet eventHave;

    RrHerd(int n, InetSocketAddress reflector, int firstClientAddr) throws IOException {
        this.n = n;
        this.reflector = reflector;
        this.addr = new int[n];
        this.clients = new Client[n];
        for (int i = 0; i < n; i++) {
            addr[i] = firstClientAddr + i + (i / 250) * 6; // 250 a /24: .1 .. .250, skipping .251 .. .0 and .255 of each
            clients[i] = new Client(i);
        }
        this.selector = Selector.open();
        this.established = new CountDownLatch(n);
        this.converged = new CountDownLatch(n);
    }

    /** One emulated client: its connection, its reception state and the bytes it still has to write. */
    final class Client {
        final int index;
        SocketChannel ch;
        byte[] partial;          // an incomplete message carried to the next read, null when none
        ByteBuffer pendingOut;   // what a full socket buffer did not take yet
        boolean isEstablished;
        boolean openReceived;
        long openedAt;
        long retryAt;
        final BitSet held;       // the other clients' initial /26s this client holds
        int heldCount;
        boolean convergedCounted;

        Client(int index) {
            this.index = index;
            this.held = new BitSet(n);
        }
    }

    static int ipv4(String text) throws IOException {
        byte[] b = InetAddress.getByName(text).getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    static InetAddress address(int a) throws IOException {
        return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
    }

    void open(Client c) {
        try {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.bind(new InetSocketAddress(address(addr[c.index]), 0));
            c.ch = ch;
            c.partial = null;
            c.pendingOut = null;
            c.openReceived = false;
            c.openedAt = System.nanoTime();
            if (ch.connect(reflector)) {
                connected(c);
            } else {
                ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException e) {
            fail(c, "connect: " + e);
        }
    }

    void connected(Client c) throws IOException {
        c.ch.register(selector, SelectionKey.OP_READ, c);
        send(c, open(addr[c.index]));
    }

    void fail(Client c, String why) {
        failures++;
        lastFailure = "client " + c.index + ": " + why;
        if (c.ch != null) {
            try {
                c.ch.close();
            } catch (IOException ignored) {
                // closing a failed connection: nothing left to do with it
            }
            c.ch = null;
        }
        if (c.isEstablished) {
            // a session lost after Established spoils every figure after it: stop the run
            System.err.println("session lost: " + lastFailure);
            System.exit(3);
        }
        c.retryAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    }

    void send(Client c, byte[] msg) {
        try {
            if (c.pendingOut != null) {
                ByteBuffer more = ByteBuffer.allocate(c.pendingOut.remaining() + msg.length);
                more.put(c.pendingOut).put(msg).flip();
                c.pendingOut = more;
                return;
            }
            ByteBuffer b = ByteBuffer.wrap(msg);
            c.ch.write(b);
            if (b.hasRemaining()) {
                c.pendingOut = b;
                c.ch.keyFor(selector).interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        } catch (IOException e) {
            fail(c, "write: " + e);
        }
    }

    static byte[] message(int type, byte[] body) {
        byte[] m = new byte[19 + body.length];
        Arrays.fill(m, 0, 16, (byte) 0xff);
        m[16] = (byte) (m.length >>> 8);
        m[17] = (byte) m.length;
        m[18] = (byte) type;
        System.arraycopy(body, 0, m, 19, body.length);
        return m;
    }

    static byte[] open(int id) {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put((byte) 4).putShort((short) AS).putShort((short) HOLD).putInt(id);
        // optional parameters: one Capabilities parameter (RFC 5492) with MP IPv4 unicast and 4-octet AS
        byte[] caps = {1, 4, 0, 1, 0, 1, 65, 4, (byte) (AS >>> 24), (byte) (AS >>> 16), (byte) (AS >>> 8), (byte) AS};
        b.put((byte) (caps.length + 2)).put((byte) 2).put((byte) caps.length).put(caps);
        return message(1, Arrays.copyOf(b.array(), b.position()));
    }

    static final byte[] KEEPALIVE = message(4, new byte[0]);

    static byte[] announce(int prefix, int nextHop) {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.putShort((short) 0); // no withdrawn routes
        int attrsAt = b.position();
        b.putShort((short) 0);
        b.put((byte) 0x40).put((byte) 1).put((byte) 1).put((byte) 0);                 // ORIGIN IGP
        b.put((byte) 0x40).put((byte) 2).put((byte) 0);                               // AS_PATH, empty (iBGP)
        b.put((byte) 0x40).put((byte) 3).put((byte) 4).putInt(nextHop);                // NEXT_HOP
        b.put((byte) 0x40).put((byte) 5).put((byte) 4).putInt(100);                    // LOCAL_PREF
        b.putShort(attrsAt, (short) (b.position() - attrsAt - 2));
        b.put((byte) 26).putInt(prefix);
        return message(2, Arrays.copyOf(b.array(), b.position()));
    }

    static byte[] withdraw(int prefix) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putShort((short) 5).put((byte) 26).putInt(prefix).putShort((short) 0);
        return message(2, Arrays.copyOf(b.array(), b.position()));
    }

    void readable(Client c) {
        try {
            while (true) {
                in.clear();
                if (c.partial != null) {
                    in.put(c.partial);
                    c.partial = null;
                }
                int got = c.ch.read(in);
                if (got < 0) {
                    fail(c, "closed by the reflector");
                    return;
                }
                in.flip();
                while (in.remaining() >= 19) {
                    int len = in.getShort(in.position() + 16) & 0xffff;
                    if (len < 19 || len > 65535) {
                        fail(c, "bad message length " + len);
                        return;
                    }
                    if (in.remaining() < len) {
                        break;
                    }
                    int start = in.position();
                    handle(c, in.get(start + 18), start + 19, start + len);
                    if (c.ch == null) {
                        return;
                    }
                    in.position(start + len);
                }
                if (in.hasRemaining()) {
                    c.partial = new byte[in.remaining()];
                    in.get(c.partial);
                }
                if (got == 0 || in.limit() < in.capacity()) {
                    return;
                }
            }
        } catch (IOException e) {
            fail(c, "read: " + e);
        }
    }

    void handle(Client c, int type, int from, int to) {
        switch (type) {
            case 1 -> {
                c.openReceived = true;
                send(c, KEEPALIVE); // OPEN: confirm it
            }
            case 4 -> {
                if (!c.isEstablished) {
                    c.isEstablished = true;
                    if (established.getCount() == 1) {
                        establishedAt = System.nanoTime(); // before the count reaches 0 and wakes the main thread
                    }
                    established.countDown();
                    send(c, announce(FIRST_BLOCK + (c.index << 6), addr[c.index]));
                }
            }
            case 2 -> update(c, from, to);
            case 3 -> fail(c, "NOTIFICATION " + (in.get(from) & 0xff) + "/" + (in.get(from + 1) & 0xff));
            default -> {
            }
        }
    }

    void update(Client c, int from, int to) {
        int withdrawnLen = in.getShort(from) & 0xffff;
        int p = from + 2;
        int end = p + withdrawnLen;
        while (p < end) {
            int len = in.get(p) & 0xff;
            int prefix = prefix(p + 1, len);
            p += 1 + (len + 7) / 8;
            seen(c, prefix, false);
        }
        int attrLen = in.getShort(p) & 0xffff;
        p += 2 + attrLen;
        while (p < to) {
            int len = in.get(p) & 0xff;
            int prefix = prefix(p + 1, len);
            p += 1 + (len + 7) / 8;
            seen(c, prefix, true);
        }
    }

    int prefix(int at, int len) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            v = (v << 8) | (k < (len + 7) / 8 ? in.get(at + k) & 0xff : 0);
        }
        return v;
    }

    void seen(Client c, int prefix, boolean announced) {
        if (prefix == eventPrefix) {
            if (announced == eventAnnounce && c.index != eventSender && eventHave.get(c.index) != announced) {
                eventHave.set(c.index, announced);
                if (--eventRemaining == 0) {
                    eventDoneAt = System.nanoTime();
                    eventDone.countDown();
                }
            }
            return;
        }
        int block = (prefix - FIRST_BLOCK) >>> 6;
        if (!announced || prefix - FIRST_BLOCK < 0 || block >= n || block == c.index || c.held.get(block)) {
            return;
        }
        c.held.set(block);
        if (++c.heldCount == n - 1 && !c.convergedCounted) {
            c.convergedCounted = true;
            if (converged.getCount() == 1) {
                convergedAt = System.nanoTime();
            }
            converged.countDown();
        }
    }

    void loop() {
        long nextKeepalive = System.nanoTime() + TimeUnit.SECONDS.toNanos(HOLD / 3);
        while (true) {
            try {
                selector.select(200);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            Runnable cmd;
            synchronized (commands) {
                cmd = commands.poll();
            }
            if (cmd != null) {
                cmd.run();
            }
            for (SelectionKey k : selector.selectedKeys()) {
                Client c = (Client) k.attachment();
                if (!k.isValid() || c.ch == null) {
                    continue;
                }
                try {
                    if (k.isConnectable()) {
                        if (c.ch.finishConnect()) {
                            connected(c);
                        }
                    } else {
                        if (k.isWritable() && c.pendingOut != null) {
                            c.ch.write(c.pendingOut);
                            if (!c.pendingOut.hasRemaining()) {
                                c.pendingOut = null;
                                k.interestOps(SelectionKey.OP_READ);
                            }
                        }
                        if (k.isValid() && k.isReadable()) {
                            readable(c);
                        }
                    }
                } catch (IOException e) {
                    fail(c, e.toString());
                }
            }
            selector.selectedKeys().clear();
            long now = System.nanoTime();
            for (Client c : clients) {
                if (c.ch == null && c.retryAt != 0 && now >= c.retryAt) {
                    c.retryAt = 0;
                    open(c);
                } else if (c.ch != null && !c.openReceived && now - c.openedAt > OPEN_WAIT_NANOS) {
                    fail(c, "no OPEN from the reflector within 5 s");
                }
            }
            if (now >= nextKeepalive) {
                nextKeepalive = now + TimeUnit.SECONDS.toNanos(HOLD / 3);
                for (Client c : clients) {
                    if (c.isEstablished && c.ch != null) {
                        send(c, KEEPALIVE);
                    }
                }
            }
        }
    }

    void command(Runnable r) {
        synchronized (commands) {
            commands.add(r);
        }
        selector.wakeup();
    }

    /** Runs one event on the selector thread and waits for every other client to see it; returns its nanoseconds. */
    long event(int sender, int prefix, boolean announce, long timeoutSec) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        long[] sentAt = new long[1];
        command(() -> {
            eventPrefix = prefix;
            eventAnnounce = announce;
            eventSender = sender;
            eventRemaining = n - 1;
            eventDone = done;
            if (eventHave == null) {
                eventHave = new BitSet(n);
            }
            if (announce) {
                eventHave.clear();
            } else {
                eventHave.set(0, n);
            }
            Client c = clients[sender];
            sentAt[0] = System.nanoTime();
            eventSentAt = sentAt[0];
            send(c, announce ? announce(prefix, addr[sender]) : withdraw(prefix));
        });
        if (!done.await(timeoutSec, TimeUnit.SECONDS)) {
            return -1;
        }
        return eventDoneAt - eventSentAt;
    }

    static long[] cpuAndMem(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        long hwm = 0;
        long rss = 0;
        long threads = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmHWM:")) {
                hwm = Long.parseLong(l.replaceAll("\\D", ""));
            } else if (l.startsWith("VmRSS:")) {
                rss = Long.parseLong(l.replaceAll("\\D", ""));
            } else if (l.startsWith("Threads:")) {
                threads = Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        return new long[] {ticks * 10, hwm, rss, threads}; // USER_HZ is 100 on Linux: a tick is 10 ms
    }

    static double percentile(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String s : args) {
            int eq = s.indexOf('=');
            a.put(s.substring(0, eq), s.substring(eq + 1));
        }
        String name = a.getOrDefault("name", "reflector");
        int n = Integer.parseInt(a.get("clients"));
        String[] hp = a.get("reflector").split(":");
        long pid = Long.parseLong(a.get("pid"));
        int events = Integer.parseInt(a.getOrDefault("events", "100"));
        long timeoutSec = Long.parseLong(a.getOrDefault("timeoutSeconds", "300"));
        RrHerd h = new RrHerd(n, new InetSocketAddress(InetAddress.getByName(hp[0]), Integer.parseInt(hp[1])), ipv4(a.get("firstClient")));
        Thread selectorThread = new Thread(h::loop, "rr-herd-selector");
        selectorThread.setDaemon(true);
        long[] before = cpuAndMem(pid);
        long t0 = System.nanoTime();
        h.command(() -> {
            for (Client c : h.clients) {
                h.open(c);
            }
        });
        selectorThread.start();
        if (!h.established.await(timeoutSec, TimeUnit.SECONDS)) {
            System.err.printf("%s: only %d of %d sessions Established after %d s (%d connection failures, last: %s)%n", name,
                    n - h.established.getCount(), n, timeoutSec, h.failures, h.lastFailure);
            System.exit(2);
        }
        double estMs = (h.establishedAt - t0) / 1e6;
        System.err.printf("%s: %d sessions Established in %.0f ms (%d connection failures on the way)%n", name, n, estMs, h.failures);
        if (!h.converged.await(timeoutSec, TimeUnit.SECONDS)) {
            System.err.printf("%s: only %d of %d clients hold every other client's /26 after %d s%n", name, n - h.converged.getCount(), n, timeoutSec);
            System.exit(2);
        }
        double convMs = (h.convergedAt - t0) / 1e6;
        long[] atConverged = cpuAndMem(pid);
        System.err.printf("%s: every /26 at every client in %.0f ms%n", name, convMs);
        Random rnd = new Random(42);
        long[] add = new long[events];
        long[] del = new long[events];
        for (int k = 0; k < events; k++) {
            int sender = rnd.nextInt(n);
            int prefix = EVENT_BLOCK + (k << 6);
            add[k] = h.event(sender, prefix, true, 30);
            del[k] = h.event(sender, prefix, false, 30);
            if (add[k] < 0 || del[k] < 0) {
                System.err.printf("%s: event %d (client %d) did not reach every client within 30 s%n", name, k, sender);
                System.exit(2);
            }
        }
        long[] after = cpuAndMem(pid);
        long[] self = cpuAndMem(ProcessHandle.current().pid());
        Arrays.sort(add);
        Arrays.sort(del);
        System.out.println(String.format(Locale.ROOT,
                "result name=%s clients=%d established_ms=%.0f converged_ms=%.0f new_p50_ms=%.2f new_p99_ms=%.2f withdraw_p50_ms=%.2f "
                        + "withdraw_p99_ms=%.2f events=%d rss_peak_kib=%d rss_end_kib=%d threads=%d cpu_initial_ms=%d cpu_events_ms=%d "
                        + "client_cpu_ms=%d connect_failures=%d",
                name, n, estMs, convMs, percentile(add, 0.5), percentile(add, 0.99), percentile(del, 0.5), percentile(del, 0.99), events,
                after[1], after[2], after[3], atConverged[0] - before[0], after[0] - atConverged[0], self[0], h.failures));
        System.exit(0);
    }
}
