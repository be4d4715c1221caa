package dev.viaduct.bgp.config;

import dev.viaduct.bgp.rib.LocalRoute;
import dev.viaduct.bgp.rib.Policy;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads the standalone speaker's configuration ({@code viaduct bgp --config FILE}), YAML or JSON:
 *
 * <pre>
 * asn: 65000
 * routerId: 10.0.0.1
 * listen: 0.0.0.0:179          # "address:port", "[v6]:port", or omitted for no listener
 * clusterId: 10.0.0.1          # route-reflector cluster ID, default the router ID
 * holdTime: 90
 * connectRetrySeconds: 5
 * multipath: true
 * families: [ipv4-unicast, ipv6-unicast]
 * gracefulRestart: {restartTime: 120, restarting: false, forwardingPreserved: true, stalePathSeconds: 360}   # or false
 *                              # restarting: true may add selectionDeferralSeconds: 60 (RFC 4724 §4.1)
 * peers:
 *   - {name: node-2, address: 10.0.0.2, asn: 65000, rrClient: true}
 *   - address: 192.0.2.1
 *     asn: 64512
 *     port: 179
 *     passive: false
 *     nextHopSelf: true
 *     localAddress: 192.0.2.10   # source address of the connections to this peer
 *     password: "s3cret"         # TCP MD5 (RFC 2385), 1..80 bytes; needs the Linux transport `viaduct bgp` uses
 *     families: [ipv4-unicast]
 *     import: {default: accept, terms: [{prefixes: ["10.0.0.0/8 le 24"], action: reject}]}
 *     export: {default: reject, terms: [{communities: ["65000:100"], action: accept, setMed: 10}]}
 * routes:
 *   - {prefix: 10.244.0.0/16, communities: ["65000:100"]}
 * jitWarmupRoutes: 50000       # routes run through the UPDATE path at start so the JIT is ready; 0 = none;
 *                              # default 50000, or 0 for a route reflector (a peer with rrClient: true)
 * expectedRoutes: {ipv4-unicast: 1000000, ipv6-unicast: 0}   # Loc-RIB prefixes to size the table and the heap
 *                              # for (HeapBudget); without it, tables grow as routes come and the heap cap is 256 MiB
 * http: {listen: "127.0.0.1:9179"}   # /healthz /readyz /status /metrics /routes (the default); "" = no endpoint
 * </pre>
 *
 * Every error names the field ({@code peers[2].asn: must be 1..4294967295}); unknown fields are errors too,
 * so a typo never silently drops a setting.
 *
 * <p>One file for one schema (some 600 lines): each field's reader and its error message sit beside the others'; the
 * values it produces are the speaker's records ({@code SpeakerConfig}, {@code PeerConfig}, the policies).
 */
public final class SpeakerConfigFile {
    private static final Set<String> TOP = Set.of("asn", "routerId", "listen", "clusterId", "holdTime", "connectRetrySeconds",
            "idleHoldSeconds", "multipath", "defaultLocalPref", "families", "gracefulRestart", "peers", "routes", "jitWarmupRoutes", "http",
            "expectedRoutes");
    private static final Set<String> HTTP = Set.of("listen");
    /** Where {@code viaduct bgp} serves its operations endpoint unless the file says otherwise. */
    public static final InetSocketAddress DEFAULT_HTTP_LISTEN = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9179);

    /**
     * The whole file: the speaker's configuration and how the process around it is operated.
     *
     */
    public record Loaded(SpeakerConfig speaker, Http http) {
        /** The maximum heap in MiB for this configuration ({@code viaduct bgp --heap-budget}). */
        public long heapMegabytes() {
            return HeapBudget.megabytes(speaker);
        }
    }

    /** {@code http.listen}: the operations endpoint's address, or null for none. */
    public record Http(InetSocketAddress listen) {
    }
    private static final Set<String> PEER = Set.of("name", "address", "port", "asn", "passive", "rrClient", "nextHopSelf", "families",
            "import", "export", "localAddress", "password", "holdTime", "nextHopV4", "nextHopV6");
    private static final Set<String> GR = Set.of("restartTime", "restarting", "forwardingPreserved", "stalePathSeconds", "selectionDeferralSeconds");
    private static final Set<String> ROUTE = Set.of("prefix", "nextHop", "communities", "localPref", "med");
    private static final Set<String> POLICY = Set.of("default", "terms");
    private static final Set<String> TERM = Set.of("prefixes", "communities", "minAsPathLength", "maxAsPathLength", "action",
            "setLocalPref", "setMed", "addCommunities");

    private SpeakerConfigFile() {
    }

    public static SpeakerConfig read(Path file) throws ConfigException {
        return load(file).speaker();
    }

    /** Reads the file with its {@code http} section. */
    public static Loaded load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read " + file + ": " + e.getMessage());
        }
        return parseFile(text);
    }

    /** Parses YAML or JSON text (JSON when it starts with '{'). */
    public static SpeakerConfig parse(String text) throws ConfigException {
        return parseFile(text).speaker();
    }

    /** Parses YAML or JSON text with its {@code http} section. */
    public static Loaded parseFile(String text) throws ConfigException {
        JsonNode root;
        try {
            ObjectMapper m = text.stripLeading().startsWith("{") ? new ObjectMapper() : new YAMLMapper();
            root = m.readTree(text);
        } catch (JacksonException e) {
            throw new ConfigException("", "not valid YAML/JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("", "the file must hold a mapping (asn, routerId, peers, ...)");
        }
        fields(root, "", TOP);
        long asn = asn(root, "asn", true);
        Inet4Address routerId = ipv4(root, "routerId", true);
        SpeakerConfig.Builder b = SpeakerConfig.builder(asn, routerId);
        if (has(root, "listen")) {
            b.listen(socketAddress(root.get("listen"), "listen"));
        }
        if (has(root, "clusterId")) {
            b.clusterId(ipv4(root, "clusterId", true));
        }
        if (has(root, "holdTime")) {
            b.holdTime(holdTime(root, "holdTime", ""));
        }
        if (has(root, "connectRetrySeconds")) {
            b.connectRetrySeconds((int) integer(root, "connectRetrySeconds", "", 1, 65535));
        }
        if (has(root, "idleHoldSeconds")) {
            b.idleHoldSeconds((int) integer(root, "idleHoldSeconds", "", 0, 3600));
        }
        if (has(root, "multipath")) {
            b.multipath(bool(root, "multipath", ""));
        }
        if (has(root, "defaultLocalPref")) {
            b.defaultLocalPref(integer(root, "defaultLocalPref", "", 0, 0xffffffffL));
        }
        if (has(root, "jitWarmupRoutes")) {
            b.jitWarmupRoutes((int) integer(root, "jitWarmupRoutes", "", 0, 10_000_000));
        }
        if (has(root, "families")) {
            b.families(families(root.get("families"), "families"));
        }
        if (has(root, "gracefulRestart")) {
            b.gracefulRestart(gracefulRestart(root.get("gracefulRestart")));
        }
        if (has(root, "peers")) {
            JsonNode peers = array(root, "peers", "");
            boolean reflector = false;
            for (int i = 0; i < peers.size(); i++) {
                PeerConfig p = peer(peers.get(i), "peers[" + i + "]");
                reflector |= p.rrClient();
                b.peer(p);
            }
            if (reflector && !has(root, "jitWarmupRoutes")) {
                // a reflector's hot path is the export to its clients, which the warm-up does not run; what it does
                // run (the UPDATE parser on a big table from one peer) cost a reflector 9 MiB at idle and bought
                // nothing measurable in bench/bgp-scale/rr-herd (docs/benchmarks.md)
                b.jitWarmupRoutes(0);
            }
        }
        if (has(root, "routes")) {
            JsonNode routes = array(root, "routes", "");
            for (int i = 0; i < routes.size(); i++) {
                b.route(route(routes.get(i), "routes[" + i + "]"));
            }
        }
        Set<Family> families = has(root, "families") ? families(root.get("families"), "families") : EnumSet.allOf(Family.class);
        if (has(root, "expectedRoutes")) {
            JsonNode e = root.get("expectedRoutes");
            if (!e.isObject()) {
                throw new ConfigException("expectedRoutes", "must be a mapping like {ipv4-unicast: 1000000, ipv6-unicast: 100000}");
            }
            for (Map.Entry<String, JsonNode> x : e.properties()) {
                String at = "expectedRoutes." + x.getKey();
                Family f = switch (x.getKey()) {
                    case "ipv4-unicast" -> Family.IPV4_UNICAST;
                    case "ipv6-unicast" -> Family.IPV6_UNICAST;
                    default -> throw new ConfigException(at, "not a family: ipv4-unicast or ipv6-unicast");
                };
                if (!families.contains(f)) {
                    throw new ConfigException(at, "the speaker does not carry " + f.label() + " (families)");
                }
                b.expectedRoutes(f, (int) integer(e, x.getKey(), "expectedRoutes", 0, SpeakerConfig.MAX_EXPECTED_ROUTES));
            }
        }
        InetSocketAddress httpListen = DEFAULT_HTTP_LISTEN;
        if (has(root, "http")) {
            JsonNode h = root.get("http");
            if (!h.isObject()) {
                throw new ConfigException("http", "must be a mapping like {listen: \"127.0.0.1:9179\"}");
            }
            fields(h, "http.", HTTP);
            if (has(h, "listen")) {
                httpListen = string(h, "listen", "http").isBlank() ? null : socketAddress(h.get("listen"), "http.listen");
            }
        }
        try {
            return new Loaded(b.build(), new Http(httpListen));
        } catch (IllegalArgumentException e) {
            // cross-field checks of the records (e.g. a peer configured twice) already name their field
            String msg = e.getMessage();
            int colon = msg.indexOf(": ");
            throw colon > 0 ? new ConfigException(msg.substring(0, colon), msg.substring(colon + 2)) : new ConfigException("", msg);
        }
    }

    private static PeerConfig peer(JsonNode n, String at) throws ConfigException {
        if (!n.isObject()) {
            throw new ConfigException(at, "must be a mapping with at least address and asn");
        }
        fields(n, at + ".", PEER);
        InetAddress address = address(n, "address", at, true);
        PeerConfig.Builder b = PeerConfig.builder(address, asn(n, "asn", at));
        if (has(n, "name")) {
            b.name(string(n, "name", at));
        }
        if (has(n, "port")) {
            b.port((int) integer(n, "port", at, 1, 65535));
        }
        if (has(n, "passive")) {
            b.passive(bool(n, "passive", at));
        }
        if (has(n, "rrClient")) {
            b.rrClient(bool(n, "rrClient", at));
        }
        if (has(n, "nextHopSelf")) {
            b.nextHopSelf(bool(n, "nextHopSelf", at));
        }
        if (has(n, "families")) {
            b.families(families(n.get("families"), at + ".families"));
        }
        if (has(n, "import")) {
            b.importPolicy(policy(n.get("import"), at + ".import"));
        }
        if (has(n, "export")) {
            b.exportPolicy(policy(n.get("export"), at + ".export"));
        }
        if (has(n, "localAddress")) {
            b.localAddress(address(n, "localAddress", at, true));
        }
        if (has(n, "password")) {
            b.password(string(n, "password", at));
        }
        if (has(n, "holdTime")) {
            b.holdTime(holdTime(n, "holdTime", at));
        }
        if (has(n, "nextHopV4")) {
            InetAddress a = address(n, "nextHopV4", at, true);
            if (a.getAddress().length != 4) {
                throw new ConfigException(at + ".nextHopV4", "must be an IPv4 address");
            }
            b.nextHopV4(a);
        }
        if (has(n, "nextHopV6")) {
            InetAddress a = address(n, "nextHopV6", at, true);
            if (a.getAddress().length != 16) {
                throw new ConfigException(at + ".nextHopV6", "must be an IPv6 address");
            }
            b.nextHopV6(a);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at, e.getMessage());
        }
    }

    private static LocalRoute route(JsonNode n, String at) throws ConfigException {
        if (n.isString()) {
            return LocalRoute.of(prefix(n.asString(), at));
        }
        if (!n.isObject()) {
            throw new ConfigException(at, "must be a prefix or a mapping with prefix");
        }
        fields(n, at + ".", ROUTE);
        if (!has(n, "prefix")) {
            throw new ConfigException(at + ".prefix", "required");
        }
        IpPrefix p = prefix(string(n, "prefix", at), at + ".prefix");
        InetAddress nh = has(n, "nextHop") ? address(n, "nextHop", at, true) : null;
        List<Integer> comms = has(n, "communities") ? communities(n.get("communities"), at + ".communities") : List.of();
        Long lp = has(n, "localPref") ? integer(n, "localPref", at, 0, 0xffffffffL) : null;
        Long med = has(n, "med") ? integer(n, "med", at, 0, 0xffffffffL) : null;
        try {
            return new LocalRoute(p, nh, comms, lp, med);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + "." + e.getMessage().substring(0, e.getMessage().indexOf(':')), e.getMessage().substring(e.getMessage().indexOf(':') + 2));
        }
    }

    private static Policy policy(JsonNode n, String at) throws ConfigException {
        if (n.isString()) {
            return switch (n.asString()) {
                case "accept" -> Policy.ACCEPT_ALL;
                case "reject" -> Policy.REJECT_ALL;
                default -> throw new ConfigException(at, "must be accept, reject or a mapping with default and terms");
            };
        }
        if (!n.isObject()) {
            throw new ConfigException(at, "must be accept, reject or a mapping with default and terms");
        }
        fields(n, at + ".", POLICY);
        boolean dflt = true;
        if (has(n, "default")) {
            dflt = action(n.get("default"), at + ".default");
        }
        List<Policy.Term> terms = new ArrayList<>();
        if (has(n, "terms")) {
            JsonNode ts = array(n, "terms", at);
            for (int i = 0; i < ts.size(); i++) {
                terms.add(term(ts.get(i), at + ".terms[" + i + "]"));
            }
        }
        return new Policy(terms, dflt);
    }

    private static Policy.Term term(JsonNode n, String at) throws ConfigException {
        if (!n.isObject()) {
            throw new ConfigException(at, "must be a mapping with an action");
        }
        fields(n, at + ".", TERM);
        if (!has(n, "action")) {
            throw new ConfigException(at + ".action", "required (accept or reject)");
        }
        List<Policy.PrefixRange> prefixes = new ArrayList<>();
        if (has(n, "prefixes")) {
            JsonNode ps = array(n, "prefixes", at);
            for (int i = 0; i < ps.size(); i++) {
                prefixes.add(prefixRange(ps.get(i), at + ".prefixes[" + i + "]"));
            }
        }
        List<Integer> comms = has(n, "communities") ? communities(n.get("communities"), at + ".communities") : null;
        int min = has(n, "minAsPathLength") ? (int) integer(n, "minAsPathLength", at, 0, 255) : 0;
        int max = has(n, "maxAsPathLength") ? (int) integer(n, "maxAsPathLength", at, 0, 65535) : -1;
        Long lp = has(n, "setLocalPref") ? integer(n, "setLocalPref", at, 0, 0xffffffffL) : null;
        Long med = has(n, "setMed") ? integer(n, "setMed", at, 0, 0xffffffffL) : null;
        List<Integer> add = has(n, "addCommunities") ? communities(n.get("addCommunities"), at + ".addCommunities") : null;
        return new Policy.Term(prefixes, comms, min, max, action(n.get("action"), at + ".action"), lp, med, add);
    }

    /** "10.0.0.0/8", "10.0.0.0/8 le 24", "10.0.0.0/8 ge 16 le 24", "10.0.0.0/8 orlonger". */
    private static Policy.PrefixRange prefixRange(JsonNode n, String at) throws ConfigException {
        if (!n.isString()) {
            throw new ConfigException(at, "must be a string like \"10.0.0.0/8 le 24\"");
        }
        String[] w = n.asString().trim().split("\\s+");
        IpPrefix p = prefix(w[0], at);
        int ge = p.length();
        int le = p.length();
        for (int i = 1; i < w.length; i++) {
            switch (w[i]) {
                case "orlonger" -> le = p.maxLength();
                case "ge", "le" -> {
                    if (i + 1 >= w.length) {
                        throw new ConfigException(at, "'" + w[i] + "' needs a length");
                    }
                    int v;
                    try {
                        v = Integer.parseInt(w[i + 1]);
                    } catch (NumberFormatException e) {
                        throw new ConfigException(at, "'" + w[i + 1] + "' is not a prefix length");
                    }
                    if (w[i].equals("ge")) {
                        ge = v;
                        le = Math.max(le, p.maxLength());
                    } else {
                        le = v;
                    }
                    i++;
                }
                default -> throw new ConfigException(at, "unexpected '" + w[i] + "' (use ge N, le N or orlonger)");
            }
        }
        try {
            return new Policy.PrefixRange(p, ge, le);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at, e.getMessage());
        }
    }

    private static boolean action(JsonNode n, String at) throws ConfigException {
        if (n.isString() && n.asString().equals("accept")) {
            return true;
        }
        if (n.isString() && n.asString().equals("reject")) {
            return false;
        }
        throw new ConfigException(at, "must be accept or reject");
    }

    private static List<Integer> communities(JsonNode n, String at) throws ConfigException {
        if (!n.isArray()) {
            throw new ConfigException(at, "must be a list like [\"65000:100\"]");
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode c = n.get(i);
            String s = c.isString() ? c.asString() : c.toString();
            String[] parts = s.split(":");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                int hi = Integer.parseInt(parts[0]);
                int lo = Integer.parseInt(parts[1]);
                if (hi < 0 || hi > 65535 || lo < 0 || lo > 65535) {
                    throw new NumberFormatException();
                }
                out.add(hi << 16 | lo);
            } catch (NumberFormatException e) {
                throw new ConfigException(at + "[" + i + "]", "'" + s + "' is not a community (ASN:VALUE, each 0..65535)");
            }
        }
        return out;
    }

    private static SpeakerConfig.GracefulRestart gracefulRestart(JsonNode n) throws ConfigException {
        if (n.isBoolean()) {
            return n.booleanValue() ? SpeakerConfig.GracefulRestart.DEFAULT : null;
        }
        if (!n.isObject()) {
            throw new ConfigException("gracefulRestart", "must be true, false or a mapping");
        }
        fields(n, "gracefulRestart.", GR);
        SpeakerConfig.GracefulRestart d = SpeakerConfig.GracefulRestart.DEFAULT;
        int time = has(n, "restartTime") ? (int) integer(n, "restartTime", "gracefulRestart", 0, 4095) : d.restartTime();
        boolean restarting = has(n, "restarting") ? bool(n, "restarting", "gracefulRestart") : d.restarting();
        boolean fwd = has(n, "forwardingPreserved") ? bool(n, "forwardingPreserved", "gracefulRestart") : d.forwardingPreserved();
        int stale = has(n, "stalePathSeconds") ? (int) integer(n, "stalePathSeconds", "gracefulRestart", 1, 3600) : d.stalePathSeconds();
        int deferral = has(n, "selectionDeferralSeconds")
                ? (int) integer(n, "selectionDeferralSeconds", "gracefulRestart", 0, 3600) : d.selectionDeferralSeconds();
        if (deferral > 0 && !restarting) {
            throw new ConfigException("gracefulRestart.selectionDeferralSeconds", "needs restarting: true (only a restarting speaker defers, RFC 4724 §4.1)");
        }
        return new SpeakerConfig.GracefulRestart(time, restarting, fwd, stale, deferral);
    }

    private static Set<Family> families(JsonNode n, String at) throws ConfigException {
        if (!n.isArray() || n.isEmpty()) {
            throw new ConfigException(at, "must be a non-empty list of ipv4-unicast, ipv6-unicast");
        }
        Set<Family> out = EnumSet.noneOf(Family.class);
        for (int i = 0; i < n.size(); i++) {
            String s = n.get(i).asString();
            Family f = switch (s) {
                case "ipv4-unicast", "ipv4" -> Family.IPV4_UNICAST;
                case "ipv6-unicast", "ipv6" -> Family.IPV6_UNICAST;
                default -> throw new ConfigException(at + "[" + i + "]", "'" + s + "' is not ipv4-unicast or ipv6-unicast");
            };
            out.add(f);
        }
        return out;
    }

    // ------------------------------------------------------------------ scalars

    private static void fields(JsonNode n, String prefix, Set<String> allowed) throws ConfigException {
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!allowed.contains(e.getKey())) {
                throw new ConfigException(prefix + e.getKey(), "unknown field (known: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static boolean has(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && !v.isNull();
    }

    private static String path(String at, String field) {
        return at.isEmpty() ? field : at + "." + field;
    }

    private static long asn(JsonNode n, String field, boolean required) throws ConfigException {
        if (!has(n, field)) {
            throw new ConfigException(field, "required");
        }
        return asn(n, field, "");
    }

    private static long asn(JsonNode n, String field, String at) throws ConfigException {
        if (!has(n, field)) {
            throw new ConfigException(path(at, field), "required");
        }
        JsonNode v = n.get(field);
        long asn;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            asn = v.longValue();
        } else if (v.isString() && v.asString().matches("\\d+\\.\\d+")) {
            // asdot notation (RFC 5396)
            String[] p = v.asString().split("\\.");
            asn = Long.parseLong(p[0]) * 65536 + Long.parseLong(p[1]);
        } else {
            throw new ConfigException(path(at, field), "must be 1..4294967295");
        }
        if (asn < 1 || asn > 0xffffffffL) {
            throw new ConfigException(path(at, field), "must be 1..4294967295");
        }
        return asn;
    }

    private static long integer(JsonNode n, String field, String at, long min, long max) throws ConfigException {
        JsonNode v = n.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw new ConfigException(path(at, field), "must be an integer " + min + ".." + max);
        }
        return v.longValue();
    }

    private static int holdTime(JsonNode n, String field, String at) throws ConfigException {
        long h = integer(n, field, at, 0, 65535);
        if (h == 1 || h == 2) {
            throw new ConfigException(path(at, field), "must be 0 or 3..65535 (RFC 4271 §4.2)");
        }
        return (int) h;
    }

    private static boolean bool(JsonNode n, String field, String at) throws ConfigException {
        JsonNode v = n.get(field);
        if (!v.isBoolean()) {
            throw new ConfigException(path(at, field), "must be true or false");
        }
        return v.booleanValue();
    }

    private static String string(JsonNode n, String field, String at) throws ConfigException {
        JsonNode v = n.get(field);
        if (!v.isString() && !v.isNumber()) {
            throw new ConfigException(path(at, field), "must be a string");
        }
        return v.asString();
    }

    private static JsonNode array(JsonNode n, String field, String at) throws ConfigException {
        JsonNode v = n.get(field);
        if (!v.isArray()) {
            throw new ConfigException(path(at, field), "must be a list");
        }
        return v;
    }

    private static Inet4Address ipv4(JsonNode n, String field, boolean required) throws ConfigException {
        if (!has(n, field)) {
            throw new ConfigException(field, "required");
        }
        InetAddress a = address(n, field, "", true);
        if (!(a instanceof Inet4Address v4) || a.isAnyLocalAddress()) {
            throw new ConfigException(field, "must be a non-zero IPv4 address");
        }
        return v4;
    }

    private static InetAddress address(JsonNode n, String field, String at, boolean required) throws ConfigException {
        if (!has(n, field)) {
            throw new ConfigException(path(at, field), "required");
        }
        String s = n.get(field).asString();
        try {
            return IpAddresses.parse(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path(at, field), "'" + s + "' is not an IP address");
        }
    }

    private static IpPrefix prefix(String s, String at) throws ConfigException {
        try {
            return IpPrefix.parseNetwork(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at, e.getMessage());
        }
    }

    private static InetSocketAddress socketAddress(JsonNode n, String at) throws ConfigException {
        String s = n.asString().trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0 || (s.contains("]") && colon < s.indexOf(']'))) {
            throw new ConfigException(at, "must be ADDRESS:PORT (e.g. 0.0.0.0:179 or [::]:179)");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(at, "port '" + s.substring(colon + 1) + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(at, "port must be 0..65535");
        }
        try {
            return new InetSocketAddress(IpAddresses.parse(host), port);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at, "'" + host + "' is not an IP address");
        }
    }
}
