package dev.viaduct.agent.cni;

import dev.viaduct.cni.spec.CniErrorCode;
import dev.viaduct.cni.spec.CniException;
import dev.viaduct.cni.spec.CniRequestParser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.pod.DataplaneException;
import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.agent.pod.LocalEndpoints;
import dev.viaduct.testsupport.CniCalls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class CniHandlerTest {
    final FakeAllocator ipam = new FakeAllocator();
    final FakeDataplane dp = new FakeDataplane();
    final LocalEndpoints endpoints = new LocalEndpoints();
    boolean ready = true;
    /** What the route reconciler would say: null when the endpoint's host routes are programmed. */
    DataplaneException routesNotProgrammed;
    final List<LocalEndpoints.Endpoint> awaited = new ArrayList<>();
    final CniHandler handler = new CniHandler("node1", ipam, dp, e -> {
        awaited.add(e);
        if (routesNotProgrammed != null) {
            throw routesNotProgrammed;
        }
    }, endpoints, () -> 1450, () -> ready);

    CniHandler.Outcome call(Map<String, String> env, String conf) {
        return handler.handle(env, conf.getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode json(CniHandler.Outcome o) {
        return CniRequestParser.JSON.readTree(o.reply().stdout());
    }

    @Test
    void addReturnsAResultInTheRequestedVersionAndRegistersTheEndpoint() {
        var o = call(CniCalls.env(), CniCalls.GOOD_CONFIG);
        assertThat(o.ok()).as(o.reply().stdout()).isTrue();
        JsonNode r = json(o);
        assertThat(r.path("cniVersion").asString()).isEqualTo("1.1.0");
        String veth = HostVethNames.of("viaduct.abc123.eth0");
        assertThat(r.path("interfaces").get(0).path("name").asString()).isEqualTo(veth);
        assertThat(r.path("interfaces").get(1).path("sandbox").asString()).isEqualTo("/run/netns/p1");
        assertThat(r.path("ips").get(0).path("address").asString()).isEqualTo("10.244.0.1/32");
        assertThat(r.path("ips").get(0).path("gateway").asString()).isEqualTo("169.254.1.1");
        assertThat(r.path("ips").get(0).path("interface").asInt()).isEqualTo(1);
        assertThat(r.path("ips").get(0).has("version")).isFalse();
        assertThat(r.path("routes").get(0).path("dst").asString()).isEqualTo("0.0.0.0/0");
        assertThat(endpoints.snapshot()).singleElement().satisfies(e -> assertThat(e.hostVeth()).isEqualTo(veth));
        assertThat(dp.veths.get(veth).mtu()).isEqualTo(1450);
    }

    @Test
    void version040ResultCarriesIpVersion() {
        var o = call(CniCalls.env(), "{\"cniVersion\":\"0.4.0\",\"name\":\"viaduct\",\"type\":\"viaduct\"}");
        assertThat(json(o).path("ips").get(0).path("version").asString()).isEqualTo("4");
        assertThat(json(o).path("cniVersion").asString()).isEqualTo("0.4.0");
    }

    @Test
    void failedAttachLeavesNoAddressNoEndpoint() {
        dp.failNext = new DataplaneException("link add vdc…: File exists");
        var o = call(CniCalls.env(), CniCalls.GOOD_CONFIG);
        assertThat(o.errorCode()).isEqualTo(102);
        assertThat(json(o).path("msg").asString()).contains("cannot wire pod interface eth0");
        assertThat(json(o).path("details").asString()).contains("File exists");
        assertThat(ipam.held).isEmpty();
        assertThat(endpoints.snapshot()).isEmpty();
        assertThat(o.reply().exitCode()).isEqualTo(1);
    }

    @Test
    void addReturnsOnlyAfterTheEndpointsHostRoutesAreAwaitedWithTheVethInPlace() {
        var o = call(CniCalls.env(), CniCalls.GOOD_CONFIG);
        assertThat(o.ok()).isTrue();
        assertThat(awaited).singleElement().satisfies(e -> {
            assertThat(e.hostVeth()).isEqualTo(HostVethNames.of("viaduct.abc123.eth0"));
            assertThat(e.addresses()).extracting(Object::toString).containsExactly("10.244.0.1/32");
        });
    }

    @Test
    void hostRouteNotProgrammedUndoesTheWholeAdd() {
        routesNotProgrammed = new DataplaneException("host routes not in the kernel after 5000 ms: [device vdc… does not exist]");
        var o = call(CniCalls.env(), CniCalls.GOOD_CONFIG);
        assertThat(o.errorCode()).isEqualTo(102);
        assertThat(json(o).path("msg").asString()).contains("not programmed");
        assertThat(json(o).path("details").asString()).contains("does not exist");
        assertThat(dp.veths).isEmpty();
        assertThat(ipam.held).isEmpty();
        assertThat(endpoints.snapshot()).isEmpty();
    }

    @Test
    void vanishedNamespaceIsContainerUnknown() {
        dp.failNext = new DataplaneException("open /run/netns/p1: No such file", null, true);
        assertThat(call(CniCalls.env(), CniCalls.GOOD_CONFIG).errorCode()).isEqualTo(3);
        assertThat(ipam.held).isEmpty();
    }

    @Test
    void ipamUnreachableIsTryAgainLater() {
        ipam.failNext = new CniException(CniErrorCode.TRY_AGAIN_LATER, "etcd unreachable");
        var o = call(CniCalls.env(), CniCalls.GOOD_CONFIG);
        assertThat(o.errorCode()).isEqualTo(11);
        assertThat(dp.veths).isEmpty();
    }

    @Test
    void delIsIdempotentAndWorksWithoutState() {
        assertThat(call(CniCalls.env(), CniCalls.GOOD_CONFIG).ok()).isTrue();
        var del = CniCalls.env("CNI_COMMAND", "DEL", "CNI_NETNS", null);
        assertThat(call(del, CniCalls.GOOD_CONFIG).ok()).isTrue();
        assertThat(ipam.held).isEmpty();
        assertThat(dp.veths).isEmpty();
        assertThat(endpoints.snapshot()).isEmpty();
        var again = call(del, CniCalls.GOOD_CONFIG);
        assertThat(again.ok()).isTrue();
        assertThat(again.reply().stdout()).isEmpty();
    }

    @Test
    void checkPassesAfterAddAndFailsWhenTheVethIsGone() {
        var add = call(CniCalls.env(), CniCalls.GOOD_CONFIG);
        String conf = "{\"cniVersion\":\"1.1.0\",\"name\":\"viaduct\",\"type\":\"viaduct\",\"prevResult\":"
                + add.reply().stdout().strip() + "}";
        var check = CniCalls.env("CNI_COMMAND", "CHECK");
        assertThat(call(check, conf).ok()).isTrue();
        dp.veths.clear();
        var bad = call(check, conf);
        assertThat(bad.errorCode()).isEqualTo(103);
        assertThat(json(bad).path("details").asString()).contains("is missing");
    }

    @Test
    void statusReportsNotAvailable() {
        String conf = "{\"cniVersion\":\"1.1.0\",\"name\":\"viaduct\",\"type\":\"viaduct\"}";
        assertThat(call(Map.of("CNI_COMMAND", "STATUS"), conf).ok()).isTrue();
        ipam.unavailable = "etcd: connection refused";
        var o = call(Map.of("CNI_COMMAND", "STATUS"), conf);
        assertThat(o.errorCode()).isEqualTo(50);
        assertThat(json(o).path("details").asString()).contains("connection refused");
        ipam.unavailable = "";
        ready = false;
        assertThat(call(Map.of("CNI_COMMAND", "STATUS"), conf).errorCode()).isEqualTo(50);
    }

    @Test
    void gcReleasesOnlyAttachmentsTheRuntimeNoLongerKnows() {
        call(CniCalls.env("CNI_CONTAINERID", "keep"), CniCalls.GOOD_CONFIG);
        call(CniCalls.env("CNI_CONTAINERID", "leak"), CniCalls.GOOD_CONFIG);
        String conf = "{\"cniVersion\":\"1.1.0\",\"name\":\"viaduct\",\"type\":\"viaduct\","
                + "\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]}";
        assertThat(call(Map.of("CNI_COMMAND", "GC"), conf).ok()).isTrue();
        assertThat(ipam.held).containsOnlyKeys("viaduct.keep.eth0");
        assertThat(dp.veths).containsOnlyKeys(HostVethNames.of("viaduct.keep.eth0"));
        assertThat(endpoints.snapshot()).extracting(LocalEndpoints.Endpoint::handle).containsExactly("viaduct.keep.eth0");
    }

    @Test
    void versionIsAnsweredToo() {
        var o = call(Map.of("CNI_COMMAND", "VERSION"), "");
        assertThat(json(o).path("supportedVersions").toString()).isEqualTo("[\"0.4.0\",\"1.0.0\",\"1.1.0\"]");
    }

    @Test
    void chainedAddAppendsToPrevResult() {
        String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"viaduct\",\"type\":\"viaduct\",\"prevResult\":{\"cniVersion\":\"1.0.0\","
                + "\"interfaces\":[{\"name\":\"x0\"}],\"ips\":[{\"address\":\"192.0.2.5/24\",\"interface\":0}],"
                + "\"dns\":{\"nameservers\":[\"192.0.2.53\"]}}}";
        JsonNode r = json(call(CniCalls.env(), conf));
        assertThat(r.path("interfaces").size()).isEqualTo(3);
        assertThat(r.path("ips").size()).isEqualTo(2);
        assertThat(r.path("ips").get(1).path("interface").asInt()).isEqualTo(2);
        assertThat(r.path("dns").path("nameservers").get(0).asString()).isEqualTo("192.0.2.53");
    }
}
