package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoreOptionsTest {
    @Test
    void defaultsAndValidationNameTheField() {
        StoreOptions o = StoreOptions.of(List.of("http://10.0.0.1:2379"));
        assertThat(o.prefix()).isEqualTo("/viaduct/v1");
        assertThat(o.dialTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.tls()).isFalse();
        assertThatThrownBy(() -> StoreOptions.of(List.of())).hasMessageContaining("etcd.endpoints: at least one");
        assertThatThrownBy(() -> StoreOptions.of(List.of("http://a:1", "10.0.0.1:2379")))
                .hasMessageContaining("etcd.endpoints[1]: '10.0.0.1:2379' is not");
        assertThatThrownBy(() -> StoreOptions.of(List.of("http://a:1", "https://b:2"))).hasMessageContaining("mixes http and https");
        assertThatThrownBy(() -> o.withTls(Path.of("/ca"), null, null)).hasMessageContaining("use https://");
        assertThatThrownBy(() -> StoreOptions.of(List.of("https://a:1")).withTls(null, Path.of("/c"), null))
                .hasMessageContaining("certFile and keyFile go together");
        assertThatThrownBy(() -> o.withCredentials("u", null)).hasMessageContaining("etcd.username/etcd.password");
        assertThatThrownBy(() -> o.withTimeouts(Duration.ZERO, null)).hasMessageContaining("etcd.dialTimeout: must be positive");
        assertThatThrownBy(() -> o.withPrefix("viaduct")).hasMessageContaining("prefix: 'viaduct' must start with '/'");
        assertThat(o.withCredentials("u", "secret").toString()).doesNotContain("secret").contains("password=***");
    }

    @Test
    void keysFollowTheDesignLayout() {
        Keys k = Keys.defaults();
        assertThat(k.config()).isEqualTo("/viaduct/v1/config");
        assertThat(k.node("n1")).isEqualTo("/viaduct/v1/nodes/n1");
        assertThat(k.pool("10.244.0.0/16")).isEqualTo("/viaduct/v1/ipam/pools/10.244.0.0-16");
        assertThat(k.block("fd00::/122")).isEqualTo("/viaduct/v1/ipam/blocks/fd00::-122");
        assertThat(k.handle("net.abc.eth0")).isEqualTo("/viaduct/v1/ipam/handles/net.abc.eth0");
        assertThat(k.bgpPeer("tor1")).isEqualTo("/viaduct/v1/bgp/peers/tor1");
        assertThat(k.nameIn(k.blocks(), k.block("fd00::/122"))).isEqualTo("fd00::/122");
        assertThat(k.nameIn(k.nodes(), k.node("n1"))).isEqualTo("n1");
        assertThat(new Keys("/other").node("x")).isEqualTo("/other/nodes/x");
        assertThatThrownBy(() -> k.node("a/b")).hasMessageContaining("node name 'a/b' contains '/' at 1");
        assertThatThrownBy(() -> k.handle("")).hasMessageContaining("handle must not be empty");
    }
}
