package dev.viaduct.ctl;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@link AgentClient} over the agent's HTTP endpoint ({@code GET <base>/status}). Every failure names the URL and
 * says what happened (refused, timed out, HTTP status, not a status document).
 *
 * <p>{@link HttpURLConnection}, not {@code java.net.http}: the latter sets up the default TLS context (the JDK's CA
 * certificates parsed) when a client is built, even for plain http, which costs a short-lived command like
 * {@code viaduct ctl nodes} about a quarter of a second of CPU.
 *
 * <p>Concurrency: thread-safe (a connection per request); {@code nodes} asks several agents at once.
 */
public final class HttpAgentClient implements AgentClient {
    private final Duration timeout;

    public HttpAgentClient(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public AgentStatus status(URI base) {
        Answer r = get(base, "/status", timeout, "agent", "is the agent running, and does http.listen cover this address?");
        String body = r.text(base);
        if (r.status() != 200) {
            throw CtlException.unreachable("agent at " + base + " answered HTTP " + r.status() + " to GET /status", null);
        }
        try {
            return AgentStatus.parse(body, base.toString());
        } catch (IllegalArgumentException e) {
            throw CtlException.unreachable(e.getMessage() + " (is " + base + " a Viaduct agent of a compatible version?)", e);
        }
    }

    /** An HTTP answer: its status and its body (the error body for 4xx/5xx; the caller closes it). */
    record Answer(int status, InputStream body) {
        /** The whole body as UTF-8 (closes it); a read failure is {@link CtlException#unreachable}. */
        String text(URI base) {
            try (InputStream in = body) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw CtlException.unreachable("reading the answer of " + base + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * {@code GET base + pathAndQuery}; a failure to get any answer is {@link CtlException#unreachable} naming
     * {@code who} (agent, speaker) and the URL, with {@code refusedHint} when the connection was refused.
     */
    static Answer get(URI base, String pathAndQuery, Duration timeout, String who, String refusedHint) {
        URI uri = base.resolve(pathAndQuery);
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
            c.setConnectTimeout(ms);
            c.setReadTimeout(ms);
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            return new Answer(status, in == null ? InputStream.nullInputStream() : in);
        } catch (SocketTimeoutException e) {
            throw CtlException.unreachable(who + " at " + base + " did not answer within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e instanceof ConnectException) {
                why = "connection refused (" + refusedHint + ")";
            }
            throw CtlException.unreachable("cannot reach " + who + " at " + base + ": " + why, e);
        }
    }
}
