package dev.viaduct.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.Cmd;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class CniInstallerTest {
    @TempDir
    Path dir;

    @Test
    void installsAnExecutableShimAndAConflist() throws Exception {
        var o = new CniInstaller.Options(dir.resolve("bin"), dir.resolve("net.d"), "podnet", Path.of("/run/x/cni.sock"),
                "1.0.0", true, true, 1400);
        var done = CniInstaller.install(o);
        assertThat(done.binary()).isExecutable();
        assertThat(Cmd.run(java.time.Duration.ofSeconds(5), null, "env", "CNI_COMMAND=VERSION", done.binary().toString())
                .stdout()).contains("supportedVersions");
        JsonNode c = JsonMapper.builder().build().readTree(Files.readString(done.conflist()));
        assertThat(done.conflist().getFileName().toString()).isEqualTo("10-podnet.conflist");
        assertThat(c.path("cniVersion").asString()).isEqualTo("1.0.0");
        assertThat(c.path("plugins").get(0).path("agentSocket").asString()).isEqualTo("/run/x/cni.sock");
        assertThat(c.path("plugins").get(0).path("ipFamilies").toString()).isEqualTo("[\"IPv4\",\"IPv6\"]");
        assertThat(c.path("plugins").get(0).path("mtu").asInt()).isEqualTo(1400);
        assertThat(c.path("plugins").get(1).path("type").asString()).isEqualTo("portmap");
        try (var s = Files.list(dir.resolve("net.d"))) {
            assertThat(s.toList()).as("no temp files left").hasSize(1);
        }
        CniInstaller.uninstall(o);
        assertThat(done.binary()).doesNotExist();
        assertThat(done.conflist()).doesNotExist();
    }

    @Test
    void defaultConflistNegotiatesTheVersion() throws Exception {
        var d = CniInstaller.Options.defaults();
        var mapper = JsonMapper.builder().build();
        JsonNode c = mapper.readTree(CniInstaller.conflist(d));
        assertThat(c.path("cniVersion").asString()).as("what libcni before 1.2 reads").isEqualTo("1.0.0");
        assertThat(c.path("cniVersions").toString()).isEqualTo("[\"0.4.0\",\"1.0.0\",\"1.1.0\"]");
        var withPortmap = new CniInstaller.Options(d.binDir(), d.confDir(), "viaduct", d.agentSocket(), "", true, false, 0);
        assertThat(mapper.readTree(CniInstaller.conflist(withPortmap)).path("cniVersions").toString())
                .as("portmap before 1.4 answers at most 1.0.0").isEqualTo("[\"0.4.0\",\"1.0.0\"]");
        var forced = new CniInstaller.Options(d.binDir(), d.confDir(), "viaduct", d.agentSocket(), "1.1.0", false, false, 0);
        JsonNode f = mapper.readTree(CniInstaller.conflist(forced));
        assertThat(f.path("cniVersion").asString()).isEqualTo("1.1.0");
        assertThat(f.path("cniVersions").toString()).isEqualTo("[\"1.1.0\"]");
        assertThatThrownBy(() -> CniInstaller.install(new CniInstaller.Options(dir, dir, "n", d.agentSocket(), "0.3.1", false, false, 0)))
                .hasMessageContaining("cniVersion 0.3.1 is not one of [0.4.0, 1.0.0, 1.1.0]");
    }

    @Test
    void refusesPortmapWithVersion110AndBadNames() {
        var base = CniInstaller.Options.defaults();
        assertThatThrownBy(() -> CniInstaller.install(new CniInstaller.Options(dir, dir, "n", base.agentSocket(), "1.1.0", true, false, 0)))
                .hasMessageContaining("use --cni-version 1.0.0");
        assertThatThrownBy(() -> CniInstaller.install(new CniInstaller.Options(dir, dir, "bad name", base.agentSocket(), "1.1.0", false, false, 0)))
                .hasMessageContaining("network name 'bad name'");
    }
}
