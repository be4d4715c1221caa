package dev.viaduct.agent.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.ops.OpsHttp;
import dev.viaduct.ops.Liveness;
import dev.viaduct.testsupport.Poll;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** {@code /healthz} over real HTTP: 200 while the route reconciler makes progress, 503 naming it once a pass is wedged. */
class WedgedReconcilerHealthTest {
    static final Duration DEADLINE = Duration.ofSeconds(1);

    @Test
    void healthzFailsWithinTheDeadlineOfAWedgedPassAndRecoversWhenItReturns() throws Exception {
        FakeRouteTable kernel = new FakeRouteTable();
        Liveness liveness = new Liveness();
        HttpClient client = HttpClient.newHttpClient();
        try (RouteReconciler rec = new RouteReconciler(kernel, Duration.ofHours(1));
                OpsHttp http = new OpsHttp("127.0.0.1", 0, new PrometheusRegistry(), () -> liveness.failures(System.nanoTime()),
                        () -> "", () -> "{}")) {
            liveness.register("route-reconciler", () -> DEADLINE, rec::stalledSince);
            rec.start();
            URI healthz = URI.create("http://127.0.0.1:" + http.port() + "/healthz");
            Route r = Route.via(IpPrefix.parse("10.244.1.0/26"), IpAddresses.parse("10.168.0.1"), "eth0");
            rec.setDesired("hostgw", List.of(r));
            Poll.until("programmed", Duration.ofSeconds(5), () -> kernel.snapshot().containsKey(r.key()));
            assertThat(get(client, healthz).statusCode()).isEqualTo(200);

            CountDownLatch wedge = new CountDownLatch(1);
            kernel.wedge = wedge;
            try {
                long wedgedAt = System.nanoTime();
                rec.setDesired("hostgw", List.of());
                Poll.until("503 once the wedged pass outlives the deadline", DEADLINE.plusSeconds(5),
                        () -> get(client, healthz).statusCode() == 503);
                assertThat(System.nanoTime() - wedgedAt).as("not before the deadline").isGreaterThanOrEqualTo(DEADLINE.toNanos());
                HttpResponse<String> failing = get(client, healthz);
                assertThat(failing.body()).startsWith("unhealthy: route-reconciler: no progress for ").contains("(deadline 1 s)");
            } finally {
                kernel.wedge = null;
                wedge.countDown();
            }
            Poll.until("healthy again once the pass returns", Duration.ofSeconds(5), () -> get(client, healthz).statusCode() == 200);
        }
    }

    private static HttpResponse<String> get(HttpClient client, URI uri) {
        try {
            return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
