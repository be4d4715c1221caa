package dev.viaduct.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.pod.LocalEndpoints;
import dev.viaduct.testsupport.CniCalls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The endpoint an ADD waits on carries the pod's namespace and name, so policy needs no store read to join it. */
class CniHandlerPodIdentityTest {
    @Test
    void theAwaitedEndpointNamesThePodFromCniArgs() {
        List<LocalEndpoints.Endpoint> awaited = new ArrayList<>();
        CniHandler handler = new CniHandler("node1", new FakeAllocator(), new FakeDataplane(), awaited::add, new LocalEndpoints(),
                () -> 1450, () -> true);
        var o = handler.handle(CniCalls.env("CNI_ARGS", "K8S_POD_NAMESPACE=prod;K8S_POD_NAME=web-1"),
                CniCalls.GOOD_CONFIG.getBytes(StandardCharsets.UTF_8));
        assertThat(o.ok()).as(o.reply().stdout()).isTrue();
        assertThat(awaited).singleElement().satisfies(e -> {
            assertThat(e.podNamespace()).isEqualTo("prod");
            assertThat(e.podName()).isEqualTo("web-1");
        });

        awaited.clear();
        handler.handle(CniCalls.env("CNI_CONTAINERID", "def456"), CniCalls.GOOD_CONFIG.getBytes(StandardCharsets.UTF_8));
        assertThat(awaited).singleElement().satisfies(e -> assertThat(e.podNamespace()).isEmpty());
    }
}
