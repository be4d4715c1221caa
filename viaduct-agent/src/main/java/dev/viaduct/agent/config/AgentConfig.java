package dev.viaduct.agent.config;

import dev.viaduct.ops.config.ConfigException;
import dev.viaduct.ops.config.ConfigNode;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Everything {@code viaduct agent --config FILE} reads. Every field has a default except the datastore
 * endpoints; the README's "Agent configuration" section documents each one.
 */
public record AgentConfig(String nodeName, Datastore datastore, Cluster cluster, Node node, Cni cni, Routes routes,
        Http http, Log log, Bfd bfd, Ipam ipam, Policy policy) {

    /** etcd connection. */
    public record Datastore(List<String> endpoints, String prefix, Optional<Path> caFile, Optional<Path> certFile,
            Optional<Path> keyFile, Optional<String> username, Optional<String> password, Duration dialTimeout) {
    }

    /**
     * Cluster-wide settings: written to the store by the first agent that finds none; afterwards the store's
     * copy wins (agents print a warning when their file differs).
     *
     * @param vxlanMode   encapsulation setting of the pools the first agent creates (IPv4 pools only)
     * @param ipipMode    likewise for IPIP (at most one of the two may be enabled)
     * @param natOutgoing masquerade the created pools' traffic to destinations outside every pool
     */
    public record Cluster(String mode, List<IpPrefix> podCidrs, int blockSize, List<IpPrefix> podCidrsV6, int blockSizeV6,
            dev.viaduct.ipam.EncapMode vxlanMode, dev.viaduct.ipam.EncapMode ipipMode, boolean natOutgoing) {
        /** Pools without overlay or NAT. */
        public Cluster(String mode, List<IpPrefix> podCidrs, int blockSize, List<IpPrefix> podCidrsV6, int blockSizeV6) {
            this(mode, podCidrs, blockSize, podCidrsV6, blockSizeV6, dev.viaduct.ipam.EncapMode.NEVER,
                    dev.viaduct.ipam.EncapMode.NEVER, false);
        }
    }

    /**
     * This node.
     *
     * @param address         the node address with its subnet prefix; empty = autodetect
     * @param uplink          the interface to autodetect on / route over; empty = the default route's
     * @param autodetectCidr  pick the first address inside this CIDR
     * @param leaseTtl        how long the node record outlives a dead agent
     */
    public record Node(Optional<IpPrefix> address, Optional<String> uplink, Optional<IpPrefix> autodetectCidr,
            Map<String, String> labels, Duration leaseTtl) {
    }

    /**
     * The CNI endpoint.
     *
     * @param mtu 0 = uplink MTU minus encapsulation overhead
     */
    public record Cni(Path socket, int mtu) {
    }

    /** The route reconciler. */
    public record Routes(int protocol, Duration resyncInterval) {
    }

    /** Health, readiness, status and metrics; empty listen = off. */
    public record Http(Optional<String> listenHost, int listenPort, Duration livenessDeadline) {
    }

    /** Logging: {@code keyvalue} or {@code json} lines on stderr. */
    public record Log(String format, String level) {
    }

    /**
     * BFD with peers (every other node in host-gw mode, BGP peers with BFD on in BGP mode), run by bfdd, a
     * process of its own that survives agent restarts.
     *
     * @param interval   desired min TX and required min RX interval (RFC 5880 §6.8.1)
     * @param multiplier detect multiplier: a peer is down after {@code interval * multiplier} without packets
     * @param socket     bfdd's unix socket; default {@code bfdd.sock} next to {@code cni.socket}
     * @param managed    {@code daemon: managed} (default): the agent starts bfdd when none answers on the socket
     *                   and leaves it running; {@code external}: bfdd is run by someone else (its own container
     *                   in the DaemonSet, its own systemd unit), the agent only connects and waits for it
     */
    public record Bfd(boolean enabled, Duration interval, int multiplier, Path socket, boolean managed) {
        public Bfd(boolean enabled, Duration interval, int multiplier, Path socket) {
            this(enabled, interval, multiplier, socket, true);
        }
    }

    /**
     * IPAM housekeeping.
     *
     * @param reclaimAfter how long a node's record must be absent before its addresses and blocks are
     *                     reclaimed (a Kubernetes Node deletion reclaims at once)
     */
    public record Ipam(Duration reclaimAfter) {
    }

    /**
     * NetworkPolicy enforcement (table {@code inet viaduct-policy}). On by default: with no policy in the store
     * the table isolates nothing. Needs nft; without it the agent logs why and runs without enforcement
     * (CNI ADDs do not wait for policy rules then), so clusters and labs without nftables keep working.
     */
    public record Policy(boolean enabled) {
    }

    /** Viaduct's rtm_protocol: a value no routing daemon in /etc/iproute2/rt_protos uses. */
    public static final int DEFAULT_ROUTE_PROTOCOL = 0x56; // 'V'

    /** Reads {@code file} with the process environment as overlay (see {@link ConfigNode}: {@code VIADUCT_*}). */
    public static AgentConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    public static AgentConfig load(Path file, Map<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return parse(text, file.getFileName().toString().endsWith(".json"), env);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /** The configuration from the environment alone (no file): every setting a {@code VIADUCT_*} variable or its default. */
    public static AgentConfig fromEnvironment(Map<String, String> env) throws ConfigException {
        return read(JsonMapper.builder().build().createObjectNode(), env);
    }

    /** Parses a file's text without the environment. */
    public static AgentConfig parse(String text, boolean json) throws ConfigException {
        return parse(text, json, Map.of());
    }

    public static AgentConfig parse(String text, boolean json, Map<String, String> env) throws ConfigException {
        ObjectMapper m = json ? JsonMapper.builder().build() : YAMLMapper.builder().build();
        JsonNode root;
        try {
            root = m.readTree(text);
        } catch (JacksonException e) {
            throw new ConfigException("not valid " + (json ? "JSON" : "YAML") + ": " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException("the file is empty (at least datastore.endpoints is needed)");
        }
        return read(root, env);
    }

    private static AgentConfig read(JsonNode root, Map<String, String> env) throws ConfigException {
        if (!root.isObject()) {
            throw new ConfigException("the top level must be a map of settings");
        }
        ConfigNode r = new ConfigNode(root, "", env);
        r.allowOnly("nodeName", "datastore", "cluster", "node", "cni", "routes", "http", "log", "bfd", "ipam", "policy");

        String nodeName = r.string("nodeName", defaultHostname());
        if (!nodeName.matches("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")) {
            throw new ConfigException(r.path("nodeName") + ": \"" + nodeName
                    + "\" must be a DNS-1123 subdomain (lower-case letters, digits, '-', '.')");
        }

        ConfigNode d = r.object("datastore");
        d.allowOnly("endpoints", "prefix", "caFile", "certFile", "keyFile", "username", "password", "dialTimeout");
        List<String> endpoints = d.strings("endpoints", List.of());
        if (endpoints.isEmpty()) {
            throw new ConfigException(d.path("endpoints") + ": at least one etcd endpoint is required (e.g. http://10.0.0.1:2379)");
        }
        for (int i = 0; i < endpoints.size(); i++) {
            if (!endpoints.get(i).matches("https?://[^/\\s]+(:\\d+)?/?")) {
                throw new ConfigException(d.path("endpoints") + "[" + i + "]: \"" + endpoints.get(i)
                        + "\" is not an http:// or https:// URL with host and port");
            }
        }
        String prefix = d.nonEmpty("prefix", "/viaduct/v1");
        if (!prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new ConfigException(d.path("prefix") + ": \"" + prefix + "\" must start with '/' and not end with '/'");
        }
        Optional<Path> ca = Optional.ofNullable(d.string("caFile", null)).map(Path::of);
        Optional<Path> cert = Optional.ofNullable(d.string("certFile", null)).map(Path::of);
        Optional<Path> key = Optional.ofNullable(d.string("keyFile", null)).map(Path::of);
        if (cert.isPresent() != key.isPresent()) {
            throw new ConfigException("datastore.certFile and datastore.keyFile: set both or neither");
        }
        boolean tls = endpoints.stream().anyMatch(e -> e.startsWith("https://"));
        if (!tls && (ca.isPresent() || cert.isPresent())) {
            throw new ConfigException("datastore.caFile/certFile: TLS files given but the endpoints are http://, use https://");
        }
        Optional<String> user = Optional.ofNullable(d.string("username", null));
        Optional<String> pass = Optional.ofNullable(d.string("password", null));
        if (user.isPresent() != pass.isPresent()) {
            throw new ConfigException("datastore.username and datastore.password: set both or neither");
        }
        var datastore = new Datastore(endpoints, prefix, ca, cert, key, user, pass, d.duration("dialTimeout", "5s"));

        ConfigNode c = r.object("cluster");
        c.allowOnly("mode", "podCidrs", "blockSize", "podCidrsV6", "blockSizeV6", "vxlanMode", "ipipMode", "natOutgoing");
        String mode = c.oneOf("mode", "host-gw", "host-gw", "bgp");
        List<IpPrefix> pods = c.cidrs("podCidrs", List.of(IpPrefix.parse("10.244.0.0/16")));
        List<IpPrefix> pods6 = c.cidrs("podCidrsV6", List.of());
        int bs = (int) c.integer("blockSize", 26, 20, 32);
        int bs6 = (int) c.integer("blockSizeV6", 122, 116, 128);
        for (int i = 0; i < pods.size(); i++) {
            if (!pods.get(i).isIpv4()) {
                throw new ConfigException(c.path("podCidrs") + "[" + i + "]: " + pods.get(i) + " is not IPv4 (IPv6 goes in cluster.podCidrsV6)");
            }
            if (pods.get(i).length() > bs) {
                throw new ConfigException(c.path("podCidrs") + "[" + i + "]: " + pods.get(i) + " is smaller than one /" + bs + " block");
            }
            if (!pods.get(i).network().equals(pods.get(i))) {
                throw new ConfigException(c.path("podCidrs") + "[" + i + "]: " + pods.get(i) + " has host bits set (did you mean " + pods.get(i).network() + "?)");
            }
        }
        for (int i = 0; i < pods6.size(); i++) {
            if (!pods6.get(i).isIpv6()) {
                throw new ConfigException(c.path("podCidrsV6") + "[" + i + "]: " + pods6.get(i) + " is not IPv6");
            }
        }
        var vxlan = dev.viaduct.ipam.EncapMode.parse("cluster.vxlanMode", c.oneOf("vxlanMode", "Never", "Never", "CrossSubnet", "Always"));
        var ipip = dev.viaduct.ipam.EncapMode.parse("cluster.ipipMode", c.oneOf("ipipMode", "Never", "Never", "CrossSubnet", "Always"));
        if (vxlan != dev.viaduct.ipam.EncapMode.NEVER && ipip != dev.viaduct.ipam.EncapMode.NEVER) {
            throw new ConfigException("cluster.vxlanMode and cluster.ipipMode: enable at most one encapsulation (got "
                    + vxlan.text() + " and " + ipip.text() + ")");
        }
        var cluster = new Cluster(mode, pods, bs, pods6, bs6, vxlan, ipip, c.bool("natOutgoing", false));

        ConfigNode n = r.object("node");
        n.allowOnly("address", "uplink", "autodetectCidr", "labels", "leaseTtl");
        Optional<IpPrefix> addr = Optional.empty();
        if (n.has("address")) {
            IpPrefix a = n.cidr("address");
            if (a.isHost()) {
                throw new ConfigException(n.path("address") + ": " + a + " has no subnet prefix; write it as on the interface, e.g. 10.168.0.3/24 "
                        + "(peers decide on-link vs routed from it)");
            }
            addr = Optional.of(a);
        }
        Optional<String> uplink = Optional.ofNullable(n.string("uplink", null));
        if (uplink.isPresent() && (uplink.get().length() > 15 || uplink.get().isBlank())) {
            throw new ConfigException(n.path("uplink") + ": \"" + uplink.get() + "\" is not an interface name");
        }
        Optional<IpPrefix> auto = n.has("autodetectCidr") ? Optional.of(n.cidr("autodetectCidr")) : Optional.empty();
        var node = new Node(addr, uplink, auto, n.stringMap("labels"), n.duration("leaseTtl", "15s"));

        ConfigNode k = r.object("cni");
        k.allowOnly("socket", "mtu");
        Path sock = Path.of(k.nonEmpty("socket", "/run/viaduct/cni.sock"));
        if (!sock.isAbsolute() || sock.toString().length() > 107) {
            throw new ConfigException(k.path("socket") + ": \"" + sock + "\" must be an absolute path of at most 107 bytes (sun_path)");
        }
        int mtu = (int) k.integer("mtu", 0, 0, 65535);
        if (mtu != 0 && mtu < 576) {
            throw new ConfigException(k.path("mtu") + ": must be 0 (auto) or 576..65535, got " + mtu);
        }
        var cni = new Cni(sock, mtu);

        ConfigNode rt = r.object("routes");
        rt.allowOnly("protocol", "resyncInterval");
        int proto = (int) rt.integer("protocol", DEFAULT_ROUTE_PROTOCOL, 5, 255);
        if (List.of(8, 9, 10, 11, 12, 13, 14, 15, 16, 42, 186, 187, 188, 189, 192).contains(proto)) {
            throw new ConfigException(rt.path("protocol") + ": " + proto + " belongs to a routing daemon (see /etc/iproute2/rt_protos); pick another");
        }
        var routes = new Routes(proto, rt.duration("resyncInterval", "30s"));

        ConfigNode h = r.object("http");
        h.allowOnly("listen", "livenessDeadline");
        String listen = h.string("listen", "127.0.0.1:9099");
        Duration liveness = h.duration("livenessDeadline", "60s");
        if (liveness.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException(h.path("livenessDeadline") + ": " + liveness.toMillis() + "ms is below the 1s a full route resync may take");
        }
        Http http;
        if (listen.isBlank()) {
            http = new Http(Optional.empty(), 0, liveness);
        } else {
            int colon = listen.lastIndexOf(':');
            if (colon < 0) {
                throw new ConfigException(h.path("listen") + ": \"" + listen + "\" must be host:port (or empty to disable)");
            }
            int port;
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new ConfigException(h.path("listen") + ": \"" + listen + "\" has no valid port");
            }
            http = new Http(Optional.of(listen.substring(0, colon)), port, liveness);
        }

        ConfigNode l = r.object("log");
        l.allowOnly("format", "level");
        var log = new Log(l.oneOf("format", "keyvalue", "keyvalue", "json"),
                l.oneOf("level", "info", "debug", "info", "warning", "error"));
        ConfigNode ip = r.object("ipam");
        ip.allowOnly("reclaimAfter");
        Duration reclaimAfter = ip.duration("reclaimAfter", "10m");
        if (reclaimAfter.compareTo(node.leaseTtl()) <= 0) {
            throw new ConfigException(ip.path("reclaimAfter") + ": " + reclaimAfter.toSeconds() + "s must be longer than node.leaseTtl ("
                    + node.leaseTtl().toSeconds() + "s): a restarting agent's node record is absent for up to that long");
        }

        ConfigNode pol = r.object("policy");
        pol.allowOnly("enabled");
        return new AgentConfig(nodeName, datastore, cluster, node, cni, routes, http, log, bfd(r.object("bfd"), cni),
                new Ipam(reclaimAfter), new Policy(pol.bool("enabled", true)));
    }

    private static Bfd bfd(ConfigNode b, Cni cni) throws ConfigException {
        b.allowOnly("enabled", "interval", "multiplier", "socket", "daemon");
        Duration interval = b.duration("interval", "100ms");
        if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new ConfigException(b.path("interval") + ": must be between 10ms and 10s, got " + interval.toMillis() + "ms");
        }
        int multiplier = (int) b.integer("multiplier", 3, 1, 255);
        Path sock = Path.of(b.nonEmpty("socket", cni.socket().resolveSibling("bfdd.sock").toString()));
        if (!sock.isAbsolute() || sock.toString().length() > 107) {
            throw new ConfigException(b.path("socket") + ": \"" + sock + "\" must be an absolute path of at most 107 bytes (sun_path)");
        }
        if (sock.equals(cni.socket())) {
            throw new ConfigException(b.path("socket") + ": \"" + sock + "\" is the CNI socket; bfdd needs its own");
        }
        return new Bfd(b.bool("enabled", true), interval, multiplier, sock, b.oneOf("daemon", "managed", "managed", "external").equals("managed"));
    }

    private static String defaultHostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip().toLowerCase();
            return h.isEmpty() ? InetAddress.getLocalHost().getHostName().toLowerCase() : h;
        } catch (IOException e) {
            return "localhost";
        }
    }
}
