package dev.viaduct.agent.pod;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LocalEndpointsTest {

    static LocalEndpoints.Endpoint endpoint(int i) {
        return new LocalEndpoints.Endpoint("h" + i, "vdc" + i, List.of(IpPrefix.parse("10.244." + (i / 250) + "." + (i % 250) + "/32")));
    }

    @Test
    void concurrentAddsReachListenersInTheOrderOfTheChanges() throws Exception {
        // the CNI handler puts endpoints from many ADDs at once; the route reconciler keeps the last snapshot it is
        // given, so a stale snapshot delivered last would delete a live pod's route
        LocalEndpoints eps = new LocalEndpoints();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        eps.subscribe(snap -> sizes.add(snap.size()));
        int threads = 8;
        int each = 250;
        CountDownLatch go = new CountDownLatch(1);
        try (var ex = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                fs.add(ex.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        eps.put(endpoint(base + i));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (var f : fs) {
                f.get();
            }
        }
        assertThat(sizes).containsExactlyElementsOf(IntStream.rangeClosed(0, threads * each).boxed().toList());
        assertThat(eps.size()).isEqualTo(threads * each);
    }

    @Test
    void removeOfAnUnknownHandleTellsNobody() {
        LocalEndpoints eps = new LocalEndpoints();
        eps.put(endpoint(1));
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        eps.subscribe(snap -> sizes.add(snap.size()));
        eps.remove("nosuch");
        eps.remove("h1");
        assertThat(sizes).containsExactly(1, 0);
    }
}
