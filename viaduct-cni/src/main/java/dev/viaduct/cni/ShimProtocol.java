package dev.viaduct.cni;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Framing between the C shim and the agent (all integers big-endian u32):
 * <pre>
 *   request:  "VCNI" 0x01 | count | count x (len | "KEY=VALUE") | len | stdin bytes
 *   reply:    "VCNR" 0x01 | exit code | len | stdout bytes | len | stderr bytes
 * </pre>
 * Pure codec: no sockets, no threads. Malformed input raises {@link ShimProtocolException} naming what was
 * wrong, never an unchecked exception.
 */
public final class ShimProtocol {
    /** Upper bounds shared with the C shim: a network config or a reply larger than this is an error. */
    public static final int MAX_PAYLOAD = 16 << 20;
    static final int MAX_ENV = 256;
    static final int MAX_ENV_ENTRY = 64 << 10;
    private static final byte[] REQUEST_MAGIC = {'V', 'C', 'N', 'I', 1};
    private static final byte[] REPLY_MAGIC = {'V', 'C', 'N', 'R', 1};

    private ShimProtocol() {
    }

    /** What the shim forwards: the {@code CNI_*} environment and stdin (the network configuration). */
    public record Request(Map<String, String> env, byte[] stdin) {
        public Request {
            env = Map.copyOf(env);
            stdin = stdin.clone();
        }

        @Override
        public byte[] stdin() {
            return stdin.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request r && env.equals(r.env) && Arrays.equals(stdin, r.stdin);
        }

        @Override
        public int hashCode() {
            return env.hashCode() * 31 + Arrays.hashCode(stdin);
        }

        @Override
        public String toString() {
            return "Request[env=" + env + ", stdin=" + stdin.length + " bytes]";
        }
    }

    /** What the shim prints and exits with. */
    public record Reply(int exitCode, String stdout, String stderr) {
    }

    /** Thrown for a malformed frame. */
    public static final class ShimProtocolException extends IOException {
        public ShimProtocolException(String message) {
            super(message);
        }
    }

    public static Request readRequest(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        expectMagic(d, REQUEST_MAGIC, "request");
        int count = readLength(d, MAX_ENV, "environment entry count");
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String entry = new String(readBytes(d, readLength(d, MAX_ENV_ENTRY, "environment entry " + i)),
                    StandardCharsets.UTF_8);
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new ShimProtocolException("environment entry " + i + " is not KEY=VALUE");
            }
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        byte[] stdin = readBytes(d, readLength(d, MAX_PAYLOAD, "stdin length"));
        return new Request(env, stdin);
    }

    public static void writeRequest(Request r, OutputStream out) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64 + r.stdin.length);
        b.write(REQUEST_MAGIC);
        writeInt(b, r.env().size());
        for (var e : r.env().entrySet()) {
            writeBytes(b, (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8));
        }
        writeBytes(b, r.stdin);
        out.write(b.toByteArray());
        out.flush();
    }

    public static void writeReply(Reply r, OutputStream out) throws IOException {
        byte[] o = r.stdout().getBytes(StandardCharsets.UTF_8);
        byte[] e = r.stderr().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream(16 + o.length + e.length);
        b.write(REPLY_MAGIC);
        writeInt(b, r.exitCode());
        writeBytes(b, o);
        writeBytes(b, e);
        out.write(b.toByteArray());
        out.flush();
    }

    public static Reply readReply(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        expectMagic(d, REPLY_MAGIC, "reply");
        int code = d.readInt();
        String out = new String(readBytes(d, readLength(d, MAX_PAYLOAD, "stdout length")), StandardCharsets.UTF_8);
        String err = new String(readBytes(d, readLength(d, MAX_PAYLOAD, "stderr length")), StandardCharsets.UTF_8);
        return new Reply(code, out, err);
    }

    private static void expectMagic(DataInputStream d, byte[] magic, String what) throws IOException {
        byte[] got = new byte[magic.length];
        try {
            d.readFully(got);
        } catch (EOFException e) {
            throw new ShimProtocolException("truncated " + what + " header");
        }
        if (!Arrays.equals(got, magic)) {
            throw new ShimProtocolException("not a viaduct-cni " + what + " (bad magic or version)");
        }
    }

    private static int readLength(DataInputStream d, int max, String what) throws IOException {
        int n;
        try {
            n = d.readInt();
        } catch (EOFException e) {
            throw new ShimProtocolException("truncated frame reading " + what);
        }
        if (n < 0 || n > max) {
            throw new ShimProtocolException(what + " " + Integer.toUnsignedString(n) + " exceeds " + max);
        }
        return n;
    }

    private static byte[] readBytes(DataInputStream d, int n) throws IOException {
        byte[] b = new byte[n];
        try {
            d.readFully(b);
        } catch (EOFException e) {
            throw new ShimProtocolException("truncated frame: expected " + n + " bytes");
        }
        return b;
    }

    private static void writeInt(ByteArrayOutputStream b, int v) {
        b.write(v >>> 24);
        b.write(v >>> 16);
        b.write(v >>> 8);
        b.write(v);
    }

    private static void writeBytes(ByteArrayOutputStream b, byte[] bytes) {
        writeInt(b, bytes.length);
        b.writeBytes(bytes);
    }
}
