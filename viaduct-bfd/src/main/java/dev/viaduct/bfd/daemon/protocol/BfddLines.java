package dev.viaduct.bfd.daemon.protocol;

import dev.viaduct.bfd.daemon.protocol.BfddCodec.BfddProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Line framing of the bfdd protocol on a stream: UTF-8 lines ending in {@code \n}, at most
 * {@link BfddCodec#MAX_LINE_BYTES} each (a peer that sends more is cut off, not buffered without bound).
 * Not thread-safe: one reader and one writer per stream.
 */
public final class BfddLines {
    private final InputStream in;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int end;

    public BfddLines(InputStream in) {
        this.in = in;
    }

    /** The next line without its newline, or null at end of stream. */
    public String next() throws IOException, BfddProtocolException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        while (true) {
            if (pos == end) {
                end = in.read(buf);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    if (line.size() > 0) {
                        throw new BfddProtocolException("stream ended inside a line (" + line.size() + " bytes without newline)");
                    }
                    return null;
                }
            }
            int start = pos;
            while (pos < end && buf[pos] != '\n') {
                pos++;
            }
            line.write(buf, start, pos - start);
            if (line.size() > BfddCodec.MAX_LINE_BYTES) {
                throw new BfddProtocolException("line longer than " + BfddCodec.MAX_LINE_BYTES + " bytes");
            }
            if (pos < end) {
                pos++; // the newline
                return line.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** Writes one message as a line and flushes. */
    public static void write(OutputStream out, BfddMessage m) throws IOException {
        out.write((BfddCodec.encode(m) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
