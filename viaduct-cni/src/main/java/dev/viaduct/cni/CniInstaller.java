package dev.viaduct.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code viaduct cni install}: puts the shim where runtimes look for plugins and writes the network
 * configuration list they read. Both writes are atomic (temp file + rename), so a runtime never reads half a
 * file.
 */
public final class CniInstaller {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * @param binDir      where runtimes find plugin binaries ({@code /opt/cni/bin})
     * @param confDir     where runtimes read network configs ({@code /etc/cni/net.d})
     * @param networkName the CNI network name (also the IPAM handle prefix)
     * @param agentSocket the agent's CNI socket, written into the config for the shim
     * @param cniVersion  force this one version (cniVersion and a one-entry cniVersions); empty: negotiate, see
     *                    {@link #conflist}
     * @param portmap     chain the reference {@code portmap} plugin (hostPort support)
     * @param ipv6        dual-stack: ask for an IPv6 address too
     * @param mtu         pod MTU override, 0 = the agent's
     */
    public record Options(Path binDir, Path confDir, String networkName, Path agentSocket, String cniVersion,
            boolean portmap, boolean ipv6, int mtu) {
        public static Options defaults() {
            return new Options(Path.of("/opt/cni/bin"), Path.of("/etc/cni/net.d"), "viaduct",
                    Path.of("/run/viaduct/cni.sock"), "", false, false, 0);
        }
    }

    /** Every version the plugin (shim and agent) answers in, oldest first. */
    public static final List<String> SUPPORTED = List.of("0.4.0", "1.0.0", "1.1.0");

    /**
     * The conflist's {@code cniVersion} for runtimes that predate spec 1.1's {@code cniVersions}: libcni before
     * 1.2 (Debian 12's podman 4.3, containerd 1.6 and 1.7) rejects a 1.1.0 result, so 1.0.0 is the highest
     * version every deployed runtime reads.
     */
    public static final String WIDELY_DEPLOYED = "1.0.0";

    /** What was written. */
    public record Installed(Path binary, Path conflist) {
    }

    private CniInstaller() {
    }

    public static Installed install(Options o) throws IOException {
        if (!o.networkName().matches("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*")) {
            throw new IllegalArgumentException("network name '" + o.networkName()
                    + "' must start with a letter or digit, then letters, digits, '_', '.' or '-'");
        }
        if (!o.cniVersion().isEmpty() && !SUPPORTED.contains(o.cniVersion())) {
            throw new IllegalArgumentException("cniVersion " + o.cniVersion() + " is not one of " + SUPPORTED);
        }
        if (o.portmap() && o.cniVersion().equals("1.1.0")) {
            throw new IllegalArgumentException("cniVersion 1.1.0 cannot chain portmap from containernetworking-plugins"
                    + " before 1.4; use --cni-version 1.0.0 with --portmap");
        }
        Path bin = ShimBinary.installTo(o.binDir(), "viaduct");
        Files.createDirectories(o.confDir());
        Path conflist = o.confDir().resolve("10-" + o.networkName() + ".conflist");
        Path tmp = Files.createTempFile(o.confDir(), ".10-" + o.networkName(), ".tmp");
        try {
            Files.writeString(tmp, conflist(o), StandardCharsets.UTF_8);
            Files.move(tmp, conflist, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Installed(bin, conflist);
    }

    /** Removes the binary and the conflist this installer writes; missing files are fine. */
    public static void uninstall(Options o) throws IOException {
        Files.deleteIfExists(o.binDir().resolve("viaduct"));
        Files.deleteIfExists(o.confDir().resolve("10-" + o.networkName() + ".conflist"));
    }

    /**
     * The network configuration list. CNI spec 1.1 §1: a runtime that knows {@code cniVersions} picks the highest
     * version in it that it supports and ignores {@code cniVersion}; older runtimes read {@code cniVersion} only.
     * So by default {@code cniVersion} is {@link #WIDELY_DEPLOYED} and {@code cniVersions} lists every supported
     * version, except 1.1.0 when portmap is chained: containernetworking-plugins before 1.4 answer at most
     * 1.0.0, and a 1.1-aware runtime would otherwise pick 1.1.0 for the whole chain. A forced version is the
     * only entry of both.
     */
    static String conflist(Options o) {
        ObjectNode root = JSON.createObjectNode();
        List<String> versions = !o.cniVersion().isEmpty() ? List.of(o.cniVersion())
                : o.portmap() ? SUPPORTED.stream().filter(v -> !v.equals("1.1.0")).toList() : SUPPORTED;
        root.put("cniVersion", !o.cniVersion().isEmpty() ? o.cniVersion() : WIDELY_DEPLOYED);
        ArrayNode listed = root.putArray("cniVersions");
        versions.forEach(listed::add);
        root.put("name", o.networkName());
        ArrayNode plugins = root.putArray("plugins");
        ObjectNode v = plugins.addObject();
        v.put("type", "viaduct");
        v.put("agentSocket", o.agentSocket().toString());
        ArrayNode fam = v.putArray("ipFamilies");
        fam.add("IPv4");
        if (o.ipv6()) {
            fam.add("IPv6");
        }
        if (o.mtu() > 0) {
            v.put("mtu", o.mtu());
        }
        v.putObject("capabilities").put("ips", true);
        if (o.portmap()) {
            ObjectNode p = plugins.addObject();
            p.put("type", "portmap");
            p.putObject("capabilities").put("portMappings", true);
            p.put("snat", true);
        }
        return root.toPrettyString() + "\n";
    }
}
