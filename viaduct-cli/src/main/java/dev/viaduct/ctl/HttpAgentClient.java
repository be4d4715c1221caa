package dev.viaduct.ctl;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * {@link AgentClient} over the agent's HTTP endpoint ({@code GET <base>/status}) with {@code java.net.http}.
 * Every failure names the URL and says what happened (refused, timed out, HTTP status, not a status document).
 *
 * <p>Concurrency: thread-safe ({@link HttpClient} is); {@code nodes} asks several agents at once.
 */
public final class HttpAgentClient implements AgentClient {
    private final HttpClient http;
    private final Duration timeout;

    public HttpAgentClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public AgentStatus status(URI base) {
        HttpResponse<String> r = get(http, base, "/status", timeout, HttpResponse.BodyHandlers.ofString(), "agent",
                "is the agent running, and does http.listen cover this address?");
        if (r.statusCode() != 200) {
            throw CtlException.unreachable("agent at " + base + " answered HTTP " + r.statusCode() + " to GET /status", null);
        }
        try {
            return AgentStatus.parse(r.body(), base.toString());
        } catch (IllegalArgumentException e) {
            throw CtlException.unreachable(e.getMessage() + " (is " + base + " a Viaduct agent of a compatible version?)", e);
        }
    }

    /**
     * {@code GET base + pathAndQuery}; a failure to get any answer is {@link CtlException#unreachable} naming
     * {@code who} (agent, speaker) and the URL, with {@code refusedHint} when the connection was refused.
     */
    static <T> HttpResponse<T> get(HttpClient http, URI base, String pathAndQuery, Duration timeout, HttpResponse.BodyHandler<T> body,
            String who, String refusedHint) {
        URI uri = base.resolve(pathAndQuery);
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(), body);
        } catch (HttpTimeoutException e) {
            throw CtlException.unreachable(who + " at " + base + " did not answer within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e instanceof java.net.ConnectException) {
                why = "connection refused (" + refusedHint + ")";
            }
            throw CtlException.unreachable("cannot reach " + who + " at " + base + ": " + why, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CtlException.unreachable("interrupted while asking " + who + " at " + base, e);
        }
    }
}
