import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * bench/bgp injector: one BGP session that announces N IPv4 /24 prefixes as fast as TCP takes them, packed
 * (GROUP prefixes per UPDATE sharing one attribute set; every group a different AS path, so the speaker
 * under test sees N / GROUP distinct attribute sets), then polls COUNT_CMD until the speaker's Loc-RIB holds
 * N routes. Prints one line: "established_ms=... sent_ms=... loaded_ms=... updates=...". Standalone (JDK
 * only) so it is the same injector for every speaker: java Injector.java HOST PORT LOCAL_ADDR AS N GROUP COUNT_CMD
 */
public class Injector {
    public static void main(String[] a) throws Exception {
        String host = a[0];
        int port = Integer.parseInt(a[1]);
        String local = a[2];
        int as = Integer.parseInt(a[3]);
        int n = Integer.parseInt(a[4]);
        int group = Integer.parseInt(a[5]);
        String countCmd = a[6];
        long timeoutMs = a.length > 7 ? Long.parseLong(a[7]) : 600_000;

        byte[] updates = encodeAll(n, group, as);
        int updateCount = (n + group - 1) / group;
        // one count before the session: the first process start from a cold JVM costs 40-70 ms here, which once
        // was the whole of a 100k figure (BIRD loads 100k before the first poll returns)
        count(countCmd);

        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSendBufferSize(1 << 20);
        s.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                s.connect(new InetSocketAddress(host, port), 2000);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                s.close();
                Thread.sleep(200);
                s = new Socket();
                s.setTcpNoDelay(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
            }
        }
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
        out.write(open(as, InetAddress.getByName(local).getAddress()));
        out.flush();
        // wait for the peer's OPEN, answer KEEPALIVE, wait for its KEEPALIVE
        int[] type = new int[1];
        boolean gotOpen = false;
        boolean gotKeepalive = false;
        while (!(gotOpen && gotKeepalive)) {
            byte[] m = read(in, type);
            if (type[0] == 1) {
                gotOpen = true;
                out.write(keepalive());
                out.flush();
            } else if (type[0] == 4) {
                gotKeepalive = gotOpen;
            } else if (type[0] == 3) {
                throw new IllegalStateException("NOTIFICATION " + (m[19] & 0xff) + "/" + (m[20] & 0xff));
            }
        }
        long t0 = System.nanoTime();
        Thread reader = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                int[] t = new int[1];
                while (true) {
                    byte[] m = read(in, t);
                    if (t[0] == 3) {
                        System.err.println("injector: NOTIFICATION " + (m[19] & 0xff) + "/" + (m[20] & 0xff));
                        System.exit(3);
                    }
                }
            } catch (IOException e) {
                // session closed at the end
            }
        });
        Thread keepalives = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                while (true) {
                    Thread.sleep(10_000);
                    synchronized (out) {
                        out.write(keepalive());
                        out.flush();
                    }
                }
            } catch (Exception e) {
                // done
            }
        });
        synchronized (out) {
            for (int off = 0; off < updates.length; off += 1 << 16) {
                out.write(updates, off, Math.min(1 << 16, updates.length - off));
            }
            out.write(endOfRib());
            out.flush();
        }
        long sent = System.nanoTime();
        long loaded = -1;
        long last = -1;
        while (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(timeoutMs)) {
            long c = count(countCmd);
            last = c;
            if (c >= n) {
                loaded = System.nanoTime();
                break;
            }
            // every 2 ms for the first 2 s, so a fast load is timed to a few ms; past that, long loads are polled
            // every 20 ms until 10 % is in (a poll is a process start, which costs the speaker CPU on 2 cores)
            Thread.sleep(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2) || c * 10L >= n ? 2 : 20);
        }
        System.out.printf("established_ms=0 sent_ms=%.1f loaded_ms=%s updates=%d last_count=%d%n",
                (sent - t0) / 1e6, loaded < 0 ? "timeout" : String.format("%.1f", (loaded - t0) / 1e6), updateCount, last);
        s.close();
        keepalives.interrupt();
        reader.join(1000);
    }

    /**
     * The speaker's Loc-RIB size, by the cheapest means it offers, so that polling every 2 ms takes as little
     * CPU from the speaker as possible (a process start costs about a millisecond of one of the 2 cores):
     * {@code file:PATH} reads a number from a file (the Viaduct harness writes it), {@code bird:SOCKET} asks
     * BIRD over its control socket as birdc would, {@code http:HOST:PORT} reads the IPv4 Loc-RIB size from
     * {@code viaduct bgp}'s /status (one kept-alive connection), anything else runs as a shell command (FRR, GoBGP).
     */
    static long count(String cmd) throws IOException, InterruptedException {
        if (cmd.startsWith("http:")) {
            return httpCount(cmd.substring(5));
        }
        if (cmd.startsWith("file:")) {
            try {
                return Long.parseLong(java.nio.file.Files.readString(java.nio.file.Path.of(cmd.substring(5))).strip());
            } catch (java.nio.file.NoSuchFileException | NumberFormatException e) {
                return 0;
            }
        }
        if (cmd.startsWith("bird:")) {
            return birdCount(java.nio.file.Path.of(cmd.substring(5)));
        }
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        try {
            return Long.parseLong(out.isEmpty() ? "0" : out.lines().reduce((x, y) -> y).orElse("0").strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static final java.util.regex.Pattern LOC_RIB_V4 = java.util.regex.Pattern.compile("\"ipv4-unicast\"\\s*:\\s*(\\d+)");

    /** {@code viaduct bgp}'s /status: {"locRib": {"ipv4-unicast": N, ...}, ...}; 0 while it does not answer. */
    static long httpCount(String hostPort) {
        try {
            var c = (java.net.HttpURLConnection) java.net.URI.create("http://" + hostPort + "/status").toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(10_000);
            String body;
            try (InputStream in = c.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            java.util.regex.Matcher m = LOC_RIB_V4.matcher(body);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static java.nio.channels.SocketChannel bird;
    private static java.io.BufferedReader birdIn;

    /**
     * BIRD's CLI protocol (what birdc speaks; BIRD 2 doc, "Remote control"): one command per line, reply lines
     * "NNNN-text" (more follow) or "NNNN text" (last); 0000 ends a reply. The connection is kept open.
     */
    static long birdCount(java.nio.file.Path socket) throws IOException {
        if (bird == null) {
            bird = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket));
            birdIn = new java.io.BufferedReader(new java.io.InputStreamReader(java.nio.channels.Channels.newInputStream(bird), StandardCharsets.US_ASCII));
            birdIn.readLine(); // "0001 BIRD 2.x ready."
        }
        bird.write(java.nio.ByteBuffer.wrap("show route protocol inj count\n".getBytes(StandardCharsets.US_ASCII)));
        long count = 0;
        String line;
        while ((line = birdIn.readLine()) != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(?:\\d{4}[- ])?\\s*(\\d+) of \\d+ routes").matcher(line);
            if (m.find()) {
                count = Long.parseLong(m.group(1));
            }
            if (line.length() >= 5 && Character.isDigit(line.charAt(0)) && line.charAt(4) == ' ') {
                break; // the last line of the reply
            }
        }
        return count;
    }

    static byte[] read(DataInputStream in, int[] type) throws IOException {
        byte[] h = new byte[19];
        in.readFully(h);
        int len = ((h[16] & 0xff) << 8) | (h[17] & 0xff);
        byte[] m = new byte[len];
        System.arraycopy(h, 0, m, 0, 19);
        in.readFully(m, 19, len - 19);
        type[0] = h[18] & 0xff;
        return m;
    }

    static void header(ByteArrayOutputStream b, int len, int type) {
        for (int i = 0; i < 16; i++) {
            b.write(0xff);
        }
        b.write(len >> 8);
        b.write(len);
        b.write(type);
    }

    static byte[] keepalive() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        header(b, 19, 4);
        return b.toByteArray();
    }

    static byte[] endOfRib() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        header(b, 23, 2);
        b.write(0);
        b.write(0);
        b.write(0);
        b.write(0);
        return b.toByteArray();
    }

    static byte[] open(int as, byte[] id) {
        // capabilities: MP ipv4 unicast, route refresh, 4-octet AS
        byte[] caps = {2, 6, 1, 4, 0, 1, 0, 1, 2, 2, 2, 0, 2, 6, 65, 4, (byte) (as >>> 24), (byte) (as >>> 16), (byte) (as >>> 8), (byte) as};
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        header(b, 19 + 10 + caps.length, 1);
        b.write(4);
        int as2 = as > 65535 ? 23456 : as;
        b.write(as2 >> 8);
        b.write(as2);
        b.write(0);
        b.write(180);
        b.writeBytes(id);
        b.write(caps.length);
        b.writeBytes(caps);
        return b.toByteArray();
    }

    /** All UPDATEs back to back: group g announces prefixes [g*GROUP, (g+1)*GROUP) with AS path [64700+g%1000, g]. */
    static byte[] encodeAll(int n, int group, int as) {
        ByteArrayOutputStream all = new ByteArrayOutputStream(n * 5 + n / group * 60);
        for (int start = 0; start < n; start += group) {
            int cnt = Math.min(group, n - start);
            int g = start / group;
            ByteArrayOutputStream attrs = new ByteArrayOutputStream();
            attrs.writeBytes(new byte[] {0x40, 1, 1, 0}); // ORIGIN IGP
            // AS_PATH: one AS_SEQUENCE of two 4-octet ASes (iBGP session: path of the routes' origin)
            int a1 = 64700 + g % 200; // never 65000, the AS of the speakers under test
            int a2 = 100000 + g;
            attrs.writeBytes(new byte[] {0x40, 2, 10, 2, 2, (byte) (a1 >>> 24), (byte) (a1 >>> 16), (byte) (a1 >>> 8), (byte) a1,
                    (byte) (a2 >>> 24), (byte) (a2 >>> 16), (byte) (a2 >>> 8), (byte) a2});
            attrs.writeBytes(new byte[] {0x40, 3, 4, (byte) 192, 0, 2, 1}); // NEXT_HOP 192.0.2.1
            attrs.writeBytes(new byte[] {0x40, 5, 4, 0, 0, 0, 100}); // LOCAL_PREF 100
            byte[] at = attrs.toByteArray();
            int len = 19 + 2 + 2 + at.length + cnt * 4;
            if (len > 4096) {
                throw new IllegalArgumentException("GROUP too large for one UPDATE");
            }
            header(all, len, 2);
            all.write(0);
            all.write(0);
            all.write(at.length >> 8);
            all.write(at.length);
            all.writeBytes(at);
            for (int i = 0; i < cnt; i++) {
                long p = start + i;
                // /24s from 16.0.0.0 upward
                long addr = (16L << 24) + (p << 8);
                all.write(24);
                all.write((int) (addr >>> 24));
                all.write((int) (addr >>> 16));
                all.write((int) (addr >>> 8));
            }
        }
        return all.toByteArray();
    }
}
