package dev.viaduct.cni.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.CniCalls;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CniRequestParserTest {
    static final String GOOD = CniCalls.GOOD_CONFIG;

    static Map<String, String> env(String... kv) {
        return CniCalls.env(kv);
    }

    static CniRequest parse(Map<String, String> env, String conf) throws CniException {
        return CniRequestParser.parse(env, conf.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parsesAValidAdd() throws Exception {
        var r = parse(env("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1;FOO=bar"),
                "{\"cniVersion\":\"1.0.0\",\"name\":\"viaduct\",\"type\":\"viaduct\",\"mtu\":1400,"
                        + "\"ipFamilies\":[\"IPv4\",\"IPv6\"],\"runtimeConfig\":{\"ips\":[\"10.244.0.9/32\"]}}");
        assertThat(r.command()).isEqualTo(CniCommand.ADD);
        assertThat(r.handle()).isEqualTo("viaduct.abc123.eth0");
        assertThat(r.config().version()).isEqualTo(CniVersion.V1_0_0);
        assertThat(r.config().mtu()).contains(1400);
        assertThat(r.config().ipv4()).isTrue();
        assertThat(r.config().ipv6()).isTrue();
        assertThat(r.config().staticIps()).extracting(a -> a.getHostAddress()).containsExactly("10.244.0.9");
        assertThat(r.podName()).contains("web-1");
        assertThat(r.podNamespace()).contains("default");
    }

    @Test
    void staticIpFromCniArgs() throws Exception {
        var r = parse(env("CNI_ARGS", "IP=10.244.3.3"), GOOD);
        assertThat(r.config().staticIps()).extracting(a -> a.getHostAddress()).containsExactly("10.244.3.3");
    }

    @Test
    void delWithoutNetnsIsFine() throws Exception {
        var r = parse(env("CNI_COMMAND", "DEL", "CNI_NETNS", null), GOOD);
        assertThat(r.netns()).isEmpty();
    }

    @Test
    void gcReadsValidAttachments() throws Exception {
        var r = parse(Map.of("CNI_COMMAND", "GC"), "{\"cniVersion\":\"1.1.0\",\"name\":\"v\",\"type\":\"viaduct\","
                + "\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}]}");
        assertThat(r.config().validAttachments()).containsExactly(new CniRequest.Attachment("a", "eth0"));
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("no CNI_COMMAND", env("CNI_COMMAND", null), GOOD, 4, "CNI_COMMAND is not set"),
                Arguments.of("unknown command", env("CNI_COMMAND", "PUT"), GOOD, 4, "CNI_COMMAND \"PUT\""),
                Arguments.of("no container id", env("CNI_CONTAINERID", null), GOOD, 4, "CNI_CONTAINERID is not set"),
                Arguments.of("bad container id", env("CNI_CONTAINERID", "-abc"), GOOD, 4, "CNI_CONTAINERID \"-abc\" is invalid"),
                Arguments.of("no ifname", env("CNI_IFNAME", null), GOOD, 4, "CNI_IFNAME is not set"),
                Arguments.of("long ifname", env("CNI_IFNAME", "eth0123456789012"), GOOD, 4, "longer than 15"),
                Arguments.of("ifname with slash", env("CNI_IFNAME", "et/h0"), GOOD, 4, "CNI_IFNAME \"et/h0\" is invalid"),
                Arguments.of("ifname dot", env("CNI_IFNAME", ".."), GOOD, 4, "not a usable name"),
                Arguments.of("no netns on ADD", env("CNI_NETNS", null), GOOD, 4, "CNI_NETNS is not set"),
                Arguments.of("relative netns", env("CNI_NETNS", "netns/x"), GOOD, 4, "not an absolute path"),
                Arguments.of("bad CNI_ARGS", env("CNI_ARGS", "novalue"), GOOD, 4, "CNI_ARGS: \"novalue\" is not KEY=VALUE"),
                Arguments.of("unknown CNI_ARGS key", env("CNI_ARGS", "FOO=1"), GOOD, 4, "unknown key \"FOO\""),
                Arguments.of("bad IP arg", env("CNI_ARGS", "IP=10.1.2"), GOOD, 4, "\"10.1.2\" is not an IP address"),
                Arguments.of("empty stdin", env(), "", 6, "no network configuration"),
                Arguments.of("not json", env(), "{\"cniVersion\":", 6, "not valid JSON"),
                Arguments.of("json array", env(), "[1,2]", 6, "must be a JSON object"),
                Arguments.of("no version", env(), "{\"name\":\"n\",\"type\":\"viaduct\"}", 7, "\"cniVersion\" is missing"),
                Arguments.of("old version", env(), "{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"viaduct\"}", 1, "supports [0.4.0, 1.0.0, 1.1.0]"),
                Arguments.of("STATUS in 1.0.0", env("CNI_COMMAND", "STATUS"), "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"v\"}", 1, "STATUS needs cniVersion 1.1.0"),
                Arguments.of("no name", env(), "{\"cniVersion\":\"1.1.0\",\"type\":\"viaduct\"}", 7, "\"name\" is missing"),
                Arguments.of("bad name", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"a b\",\"type\":\"viaduct\"}", 7, "\"name\": \"a b\" is invalid"),
                Arguments.of("name not string", env(), "{\"cniVersion\":\"1.1.0\",\"name\":5,\"type\":\"viaduct\"}", 7, "\"name\" must be a non-empty string"),
                Arguments.of("no type", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\"}", 7, "\"type\" is missing"),
                Arguments.of("mtu string", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"mtu\":\"big\"}", 7, "\"mtu\": must be an integer"),
                Arguments.of("mtu tiny", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"mtu\":100}", 7, "below IPv4's minimum"),
                Arguments.of("families empty", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"ipFamilies\":[]}", 7, "ipFamilies"),
                Arguments.of("families bad", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"ipFamilies\":[\"IPX\"]}", 7, "\"IPX\" is not"),
                Arguments.of("ips not array", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"runtimeConfig\":{\"ips\":\"10.0.0.1\"}}", 7, "runtimeConfig.ips\" must be an array"),
                Arguments.of("ips bad address", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"runtimeConfig\":{\"ips\":[\"nope\"]}}", 7, "\"nope\" is not an IP address"),
                Arguments.of("v6 ip without v6 family", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"runtimeConfig\":{\"ips\":[\"fd00::5\"]}}", 7, "is IPv6 but"),
                Arguments.of("two v4 ips", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"runtimeConfig\":{\"ips\":[\"10.0.0.1\",\"10.0.0.2\"]}}", 7, "at most one static IP per family"),
                Arguments.of("prevResult not object", env(), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"prevResult\":[]}", 7, "\"prevResult\": must be an object"),
                Arguments.of("CHECK without prevResult", env("CNI_COMMAND", "CHECK"), GOOD, 7, "CHECK needs \"prevResult\""),
                Arguments.of("GC without attachments", Map.of("CNI_COMMAND", "GC"), GOOD, 7, "valid-attachments"),
                Arguments.of("GC attachments malformed", Map.of("CNI_COMMAND", "GC"),
                        "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"v\",\"cni.dev/valid-attachments\":[{\"containerID\":1}]}", 7, "[0] must have string fields"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputGetsTheSpecsCodeAndNamesTheField(String what, Map<String, String> env, String conf, int code, String msg) {
        assertThatThrownBy(() -> parse(env, conf))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.code().code()).as("code for %s", what).isEqualTo(code);
                    assertThat(e.getMessage() + " " + e.details()).contains(msg);
                });
    }

    @Property
    void randomStdinGivesOnlyCniErrors(@ForAll byte[] junk) {
        try {
            CniRequestParser.parse(env(), junk);
        } catch (CniException expected) {
            assertThat(expected.code().code()).isIn(1, 2, 4, 6, 7);
        }
    }
}
