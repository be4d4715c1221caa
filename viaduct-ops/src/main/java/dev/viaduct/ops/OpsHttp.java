package dev.viaduct.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text format), {@code /healthz} (the process is alive and its loops run),
 * {@code /readyz} (synced with the datastore and the kernel: safe to schedule pods), {@code /status} (JSON for
 * {@code viaduct ctl} and people).
 */
public final class OpsHttp implements AutoCloseable {
    private final HTTPServer server;

    /**
     * @param unhealthy what {@code /healthz} fails with (one reason per line; empty: healthy), e.g.
     *                  {@link Liveness#failures}
     */
    public OpsHttp(String host, int port, PrometheusRegistry registry, Supplier<List<String>> unhealthy, Supplier<String> notReady,
            Supplier<String> statusJson) throws IOException {
        this(host, port, registry, unhealthy, notReady, statusJson, Map.of());
    }

    /** As above, plus {@code more}: handlers for further paths (exact match), e.g. the standalone speaker's {@code /routes}. */
    public OpsHttp(String host, int port, PrometheusRegistry registry, Supplier<List<String>> unhealthy, Supplier<String> notReady,
            Supplier<String> statusJson, Map<String, HttpHandler> more) throws IOException {
        String known = String.join(" ", new TreeSet<>(more.keySet()));
        server = HTTPServer.builder().hostname(host).port(port).registry(registry)
                .executorService(Executors.newVirtualThreadPerTaskExecutor())
                .defaultHandler(ex -> {
                    try (ex) {
                        switch (ex.getRequestURI().getPath()) {
                            case "/healthz" -> {
                                List<String> why = unhealthy.get();
                                reply(ex, why.isEmpty() ? 200 : 503, why.isEmpty() ? "ok\n" : "unhealthy: " + String.join("; ", why) + "\n",
                                        "text/plain");
                            }
                            case "/readyz" -> {
                                String why = notReady.get();
                                reply(ex, why.isEmpty() ? 200 : 503, why.isEmpty() ? "ready\n" : "not ready: " + why + "\n", "text/plain");
                            }
                            case "/status" -> reply(ex, 200, statusJson.get(), "application/json");
                            default -> {
                                HttpHandler h = more.get(ex.getRequestURI().getPath());
                                if (h != null) {
                                    h.handle(ex);
                                } else {
                                    reply(ex, 404, "not found; try /healthz /readyz /status /metrics " + known + "\n", "text/plain");
                                }
                            }
                        }
                    }
                })
                .buildAndStart();
    }

    public int port() {
        return server.getPort();
    }

    /** Answers {@code ex} with a whole body of {@code type} (text/plain, application/json). */
    public static void reply(HttpExchange ex, int code, String body, String type) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
