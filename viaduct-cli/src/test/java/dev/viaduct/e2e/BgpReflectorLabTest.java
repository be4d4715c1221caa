package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Issue 8: mesh off, 2 route reflectors (n1, n2) and 6 clients. */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BgpReflectorLabTest {
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(8).withPodsPerNode(1).withMode("bgp").withBgp("none", 2));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    @Order(1)
    void clientsPeerOnlyWithReflectorsAndEveryPodPairReachesEachOther() throws Exception {
        BgpLabAssertions.allPodsReachEachOther(f);
        BgpLabAssertions.routesConverge(f, (node, owner) -> f.lab.nodeAddress(owner));
        String client = f.get("n5", "/status");
        assertThat(client).contains("\"name\" : \"node:n1\"").contains("\"name\" : \"node:n2\"")
                .doesNotContain("\"name\" : \"node:n3\"").doesNotContain("\"name\" : \"node:n6\"");
        String reflector = f.get("n1", "/status");
        for (String n : List.of("n3", "n4", "n5", "n6", "n7", "n8")) {
            assertThat(reflector).contains("\"name\" : \"node:" + n + "\"");
        }
        // the reflector sees clients as clients, the other reflector as a non-client peer
        assertThat(reflector.replaceAll("\\s", "")).contains("\"name\":\"node:n2\"").contains("\"routeReflectorClient\":true");
    }

    @Test
    @Order(2)
    void aRemovedClientsRoutesDisappearEverywhere() {
        String gone = f.lab.nodeAddress("n8");
        f.lab.removeNode("n8");
        for (String node : BgpLabAssertions.nodesExcept(f, "n8")) {
            Poll.until("routes via " + gone + " to vanish from " + node, Duration.ofSeconds(30), () -> f.lab.routes(node),
                    rs -> rs.stream().noneMatch(r -> r.contains("via " + gone)));
        }
        BgpLabAssertions.routesConverge(f, (node, owner) -> f.lab.nodeAddress(owner));
    }
}
