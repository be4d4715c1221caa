package dev.viaduct.bgp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpeakerConfigFileTest {
    static final String FULL = """
            asn: 65000
            routerId: 10.0.0.1
            listen: "127.0.0.1:1790"
            clusterId: 10.0.0.100
            holdTime: 30
            families: [ipv4-unicast, ipv6-unicast]
            gracefulRestart: {restartTime: 60, restarting: true}
            peers:
              - {name: node-2, address: 10.0.0.2, asn: 65000, rrClient: true}
              - address: "2001:db8::1"
                asn: 4200000000
                port: 1179
                passive: true
                nextHopSelf: true
                families: [ipv6-unicast]
                import:
                  default: accept
                  terms:
                    - {prefixes: ["10.0.0.0/8 le 24"], action: reject}
                    - {communities: ["65000:1"], action: accept, setLocalPref: 300}
                export: reject
            routes:
              - 10.244.0.0/16
              - {prefix: "fd00:1::/64", communities: ["65000:100"], med: 5}
            """;

    @Test
    void fullYamlConfig() throws ConfigException {
        SpeakerConfig c = SpeakerConfigFile.parse(FULL);
        assertThat(c.asn()).isEqualTo(65000);
        assertThat(c.listen().getPort()).isEqualTo(1790);
        assertThat(c.clusterId().getHostAddress()).isEqualTo("10.0.0.100");
        assertThat(c.gracefulRestart().restarting()).isTrue();
        assertThat(c.gracefulRestart().restartTime()).isEqualTo(60);
        assertThat(c.peers()).hasSize(2);
        PeerConfig p = c.peers().get(1);
        assertThat(p.asn()).isEqualTo(4200000000L);
        assertThat(p.passive()).isTrue();
        assertThat(p.families()).containsExactly(Family.IPV6_UNICAST);
        assertThat(p.importPolicy().terms()).hasSize(2);
        assertThat(p.importPolicy().terms().getFirst().prefixes().getFirst().le()).isEqualTo(24);
        assertThat(p.exportPolicy().acceptByDefault()).isFalse();
        assertThat(c.routes()).hasSize(2);
        assertThat(c.routes().get(1).prefix()).isEqualTo(IpPrefix.parse("fd00:1::/64"));
        assertThat(c.routes().get(1).communities()).containsExactly(65000 << 16 | 100);
    }

    @Test
    void jsonWorksToo() throws ConfigException {
        SpeakerConfig c = SpeakerConfigFile.parse("""
                {"asn": 64512, "routerId": "192.0.2.1", "gracefulRestart": false,
                 "peers": [{"address": "192.0.2.2", "asn": 64513}]}
                """);
        assertThat(c.gracefulRestart()).isNull();
        assertThat(c.listen()).isNull();
        assertThat(c.peers().getFirst().families()).isEqualTo(Set.of(Family.IPV4_UNICAST, Family.IPV6_UNICAST));
    }

    @Test
    void httpListenDefaultsToLoopback9179AndCanBeMovedOrTurnedOff() throws ConfigException {
        assertThat(SpeakerConfigFile.parseFile(HEAD).http().listen()).isEqualTo(SpeakerConfigFile.DEFAULT_HTTP_LISTEN);
        assertThat(SpeakerConfigFile.DEFAULT_HTTP_LISTEN.toString()).isEqualTo("localhost/127.0.0.1:9179");
        var moved = SpeakerConfigFile.parseFile(HEAD + "http: {listen: \"[::1]:9180\"}\n").http().listen();
        assertThat(moved.getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(moved.getPort()).isEqualTo(9180);
        assertThat(SpeakerConfigFile.parseFile(HEAD + "http: {listen: \"\"}\n").http().listen()).as("off").isNull();
        assertThatThrownBy(() -> SpeakerConfigFile.parse(HEAD + "http: {listen: \"localhost:80\"}\n"))
                .hasMessageContaining("http.listen").hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> SpeakerConfigFile.parse(HEAD + "http: {port: 80}\n")).hasMessageContaining("http.port: unknown field");
        assertThatThrownBy(() -> SpeakerConfigFile.parse(HEAD + "http: 9179\n")).hasMessageContaining("http: must be a mapping");
    }

    @Test
    void jitWarmupDefaultsOnAndCanBeTurnedOff() throws ConfigException {
        assertThat(SpeakerConfigFile.parse(HEAD).jitWarmupRoutes()).isEqualTo(SpeakerConfig.DEFAULT_JIT_WARMUP_ROUTES).isPositive();
        assertThat(SpeakerConfigFile.parse(HEAD + "jitWarmupRoutes: 0\n").jitWarmupRoutes()).isZero();
        assertThat(SpeakerConfigFile.parse(HEAD + "jitWarmupRoutes: 200000\n").jitWarmupRoutes()).isEqualTo(200_000);
        fails(HEAD + "jitWarmupRoutes: -1\n", "jitWarmupRoutes: must be an integer 0..10000000");
        fails(HEAD + "jitWarmupRoutes: lots\n", "jitWarmupRoutes: must be an integer 0..10000000");
    }

    @Test
    void aRouteReflectorHasNoJitWarmupUnlessItAsksForOne() throws ConfigException {
        String reflector = HEAD + "peers:\n  - {address: 10.0.0.2, asn: 65000}\n  - {address: 10.0.0.3, asn: 65000, rrClient: true}\n";
        assertThat(SpeakerConfigFile.parse(reflector).jitWarmupRoutes()).isZero();
        assertThat(SpeakerConfigFile.parse(reflector + "jitWarmupRoutes: 1000\n").jitWarmupRoutes()).isEqualTo(1000);
        assertThat(SpeakerConfigFile.parse(HEAD + "peers:\n  - {address: 10.0.0.2, asn: 65000}\n").jitWarmupRoutes())
                .isEqualTo(SpeakerConfig.DEFAULT_JIT_WARMUP_ROUTES);
    }

    @Test
    void selectionDeferralNeedsARestartingSpeaker() throws ConfigException {
        assertThat(SpeakerConfigFile.parse(HEAD + "gracefulRestart: {restarting: true, selectionDeferralSeconds: 60}\n")
                .gracefulRestart().selectionDeferralSeconds()).isEqualTo(60);
        assertThat(SpeakerConfigFile.parse(HEAD + "gracefulRestart: true\n").gracefulRestart().selectionDeferralSeconds()).isZero();
        fails(HEAD + "gracefulRestart: {selectionDeferralSeconds: 60}\n",
                "gracefulRestart.selectionDeferralSeconds: needs restarting: true (only a restarting speaker defers, RFC 4724 §4.1)");
        fails(HEAD + "gracefulRestart: {restarting: true, selectionDeferralSeconds: 4000}\n",
                "gracefulRestart.selectionDeferralSeconds: must be an integer 0..3600");
    }

    static void fails(String yaml, String message) {
        assertThatThrownBy(() -> SpeakerConfigFile.parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    static final String HEAD = "asn: 65000\nrouterId: 10.0.0.1\n";

    @Test
    void expectedRoutesSizeTheHeapBudgetAndWithoutThemTheCapIsTheFixedOne() throws ConfigException {
        SpeakerConfigFile.Loaded dflt = SpeakerConfigFile.parseFile(HEAD + "families: [ipv4-unicast]\n");
        assertThat(dflt.speaker().expectedRoutes()).isEmpty();
        assertThat(dflt.heapMegabytes()).isEqualTo(HeapBudget.UNSIZED_MEGABYTES);
        SpeakerConfigFile.Loaded big = SpeakerConfigFile.parseFile(HEAD + "expectedRoutes: {ipv4-unicast: 1000000, ipv6-unicast: 0}\n"
                + "peers:\n  - {address: 10.0.0.2, asn: 65001, export: {default: reject}}\n");
        assertThat(big.speaker().expectedRoutes()).isEqualTo(java.util.Map.of(Family.IPV4_UNICAST, 1_000_000, Family.IPV6_UNICAST, 0));
        assertThat(big.heapMegabytes()).isEqualTo(HeapBudget.megabytes(1, 0, 1_000_000, 0)).isEqualTo(59);
    }

    @Test
    void expectedRoutesErrorsNameTheField() {
        fails(HEAD + "expectedRoutes: 1000000\n", "expectedRoutes: must be a mapping like {ipv4-unicast: 1000000, ipv6-unicast: 100000}");
        fails(HEAD + "expectedRoutes: {ipv4: 10}\n", "expectedRoutes.ipv4: not a family: ipv4-unicast or ipv6-unicast");
        fails(HEAD + "expectedRoutes: {ipv4-unicast: -1}\n", "expectedRoutes.ipv4-unicast: must be an integer 0..100000000");
        fails(HEAD + "expectedRoutes: {ipv4-unicast: 100000001}\n", "expectedRoutes.ipv4-unicast: must be an integer 0..100000000");
        fails(HEAD + "families: [ipv4-unicast]\nexpectedRoutes: {ipv6-unicast: 10}\n",
                "expectedRoutes.ipv6-unicast: the speaker does not carry ipv6-unicast (families)");
    }

    @Test
    void errorsNameTheField() {
        fails(HEAD + "peers:\n  - {address: 10.0.0.2, asn: 1}\n  - {address: 10.0.0.3, asn: 2}\n  - {address: 10.0.0.4, asn: 4294967296}\n",
                "peers[2].asn: must be 1..4294967295");
        fails(HEAD + "peers:\n  - {address: 10.0.0.2}\n", "peers[0].asn: required");
        fails(HEAD + "peers:\n  - {address: 10.0.0.999, asn: 1}\n", "peers[0].address: '10.0.0.999' is not an IP address");
        fails(HEAD + "peers:\n  - {address: 10.0.0.2, asn: 1, rrclient: true}\n",
                "peers[0].rrclient: unknown field (known: address, asn, export, families, holdTime, import, localAddress, name, nextHopSelf, nextHopV4, nextHopV6, passive, password, port, rrClient)");
        fails(HEAD + "holdTime: 2\n", "holdTime: must be 0 or 3..65535 (RFC 4271 §4.2)");
        fails(HEAD + "listen: 10.0.0.1\n", "listen: must be ADDRESS:PORT (e.g. 0.0.0.0:179 or [::]:179)");
        fails(HEAD + "families: [ipv4-multicast]\n", "families[0]: 'ipv4-multicast' is not ipv4-unicast or ipv6-unicast");
        fails(HEAD + "routes:\n  - 10.244.0.1/16\n", "routes[0]: '10.244.0.1/16': host bits are set (did you mean 10.244.0.0/16?)");
        fails(HEAD + "routes:\n  - {prefix: 10.1.0.0/16, communities: [\"65000-1\"]}\n",
                "routes[0].communities[0]: '65000-1' is not a community (ASN:VALUE, each 0..65535)");
        fails(HEAD + "peers:\n  - {address: 10.0.0.2, asn: 1, import: {terms: [{prefixes: [\"10.0.0.0/8 le 4\"], action: reject}]}}\n",
                "peers[0].import.terms[0].prefixes[0]: prefix range 10.0.0.0/8 ge 8 le 4: need 8 <= ge <= le <= 32");
        fails(HEAD + "peers:\n  - {address: 10.0.0.2, asn: 1}\n  - {address: 10.0.0.2, asn: 2}\n", "peers[1].address: 10.0.0.2 is configured twice");
        fails("asn: 0\nrouterId: 10.0.0.1\n", "asn: must be 1..4294967295");
        fails("asn: 1\n", "routerId: required");
        fails("asn: 1\nrouterId: 0.0.0.0\n", "routerId: must be a non-zero IPv4 address");
        fails("- just a list\n", "the file must hold a mapping (asn, routerId, peers, ...)");
        assertThatThrownBy(() -> SpeakerConfigFile.parse("asn: [1\n")).isInstanceOf(ConfigException.class).hasMessageStartingWith("not valid YAML/JSON");
    }

    @Test
    void asdotNotationIsAccepted() throws ConfigException {
        assertThat(SpeakerConfigFile.parse("asn: \"1.10\"\nrouterId: 10.0.0.1\n").asn()).isEqualTo(65546);
    }
}
