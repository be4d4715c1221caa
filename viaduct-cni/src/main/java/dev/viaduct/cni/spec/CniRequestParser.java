package dev.viaduct.cni.spec;

import dev.viaduct.sys.net.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the forwarded environment and stdin into a {@link CniRequest}, or a {@link CniException} whose
 * message names the variable or field that was wrong and whose code is the spec's: 4 for environment
 * variables, 6 for undecodable JSON, 7 for an invalid configuration, 1 for an unsupported version.
 * Pure: no I/O.
 */
public final class CniRequestParser {
    /** CNI spec 1.x: container IDs and network names start alphanumeric, then alphanumerics, '_', '.', '-'. */
    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");
    private static final Pattern ARG_KEY = Pattern.compile("[A-Za-z0-9_\\-]+");
    /** CNI_ARGS keys Viaduct understands; others are refused unless IgnoreUnknown=1 (the CNI convention). */
    private static final List<String> KNOWN_ARGS = List.of("IP", "IgnoreUnknown", "K8S_POD_NAMESPACE",
            "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID");

    public static final ObjectMapper JSON = JsonMapper.builder().build();

    private CniRequestParser() {
    }

    /** Parses CNI_COMMAND alone (to know whether the reply must use STATUS error codes). */
    public static Optional<CniCommand> command(Map<String, String> env) {
        try {
            return Optional.of(CniCommand.valueOf(env.getOrDefault("CNI_COMMAND", "")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static CniRequest parse(Map<String, String> env, byte[] stdin) throws CniException {
        String cmdText = env.get("CNI_COMMAND");
        if (cmdText == null || cmdText.isEmpty()) {
            throw new CniException(CniErrorCode.INVALID_ENVIRONMENT, "CNI_COMMAND is not set",
                    "expected one of ADD, DEL, CHECK, STATUS, GC, VERSION");
        }
        CniCommand command = command(env).orElseThrow(() -> new CniException(CniErrorCode.INVALID_ENVIRONMENT,
                "CNI_COMMAND \"" + cmdText + "\" is not a CNI command", "expected one of ADD, DEL, CHECK, STATUS, GC, VERSION"));

        ObjectNode conf = decode(stdin);
        CniVersion version = CniVersion.of(requiredString(conf, "cniVersion"));
        if (!command.allowedIn(version)) {
            throw new CniException(CniErrorCode.INCOMPATIBLE_VERSION,
                    command + " needs cniVersion 1.1.0 or later; the network config says " + version.text());
        }

        boolean perContainer = command == CniCommand.ADD || command == CniCommand.DEL || command == CniCommand.CHECK;
        String containerId = "";
        String ifname = "";
        Optional<String> netns = Optional.empty();
        if (perContainer) {
            containerId = requiredEnv(env, "CNI_CONTAINERID");
            if (!ID.matcher(containerId).matches()) {
                throw new CniException(CniErrorCode.INVALID_ENVIRONMENT, "CNI_CONTAINERID \"" + containerId
                        + "\" is invalid: it must start with a letter or digit, followed by letters, digits, '_', '.' or '-'");
            }
            ifname = requiredEnv(env, "CNI_IFNAME");
            validateIfname(ifname);
            String ns = env.getOrDefault("CNI_NETNS", "");
            if (ns.isEmpty()) {
                if (command != CniCommand.DEL) {
                    throw new CniException(CniErrorCode.INVALID_ENVIRONMENT, "CNI_NETNS is not set",
                            command + " needs the path of the pod's network namespace");
                }
            } else if (!ns.startsWith("/")) {
                throw new CniException(CniErrorCode.INVALID_ENVIRONMENT,
                        "CNI_NETNS \"" + ns + "\" is not an absolute path");
            } else {
                netns = Optional.of(ns);
            }
        }
        Map<String, String> args = parseArgs(env.getOrDefault("CNI_ARGS", ""));

        String name = requiredString(conf, "name");
        if (!ID.matcher(name).matches()) {
            throw new CniException(CniErrorCode.INVALID_CONFIG, "network config field \"name\": \"" + name
                    + "\" is invalid: it must start with a letter or digit, followed by letters, digits, '_', '.' or '-'");
        }
        String type = requiredString(conf, "type");

        Optional<Integer> mtu = Optional.empty();
        JsonNode mtuNode = conf.get("mtu");
        if (mtuNode != null && !mtuNode.isNull()) {
            if (!mtuNode.isIntegralNumber() || !mtuNode.canConvertToInt() || mtuNode.intValue() < 0
                    || mtuNode.intValue() > 65535) {
                throw new CniException(CniErrorCode.INVALID_CONFIG,
                        "network config field \"mtu\": must be an integer 0..65535 (0 = agent default), got " + mtuNode);
            }
            if (mtuNode.intValue() != 0 && mtuNode.intValue() < 576) {
                throw new CniException(CniErrorCode.INVALID_CONFIG,
                        "network config field \"mtu\": " + mtuNode.intValue() + " is below IPv4's minimum of 576");
            }
            mtu = mtuNode.intValue() == 0 ? Optional.empty() : Optional.of(mtuNode.intValue());
        }

        boolean ipv4 = true;
        boolean ipv6 = false;
        JsonNode fam = conf.get("ipFamilies");
        if (fam != null && !fam.isNull()) {
            if (!fam.isArray() || fam.isEmpty()) {
                throw new CniException(CniErrorCode.INVALID_CONFIG,
                        "network config field \"ipFamilies\": must be a non-empty array of \"IPv4\" and/or \"IPv6\"");
            }
            ipv4 = false;
            for (JsonNode f : fam) {
                switch (f.isString() ? f.stringValue() : "") {
                    case "IPv4" -> ipv4 = true;
                    case "IPv6" -> ipv6 = true;
                    default -> throw new CniException(CniErrorCode.INVALID_CONFIG,
                            "network config field \"ipFamilies\": " + f + " is not \"IPv4\" or \"IPv6\"");
                }
            }
        }

        List<InetAddress> staticIps = staticIps(conf, args);
        for (InetAddress ip : staticIps) {
            boolean v4 = ip instanceof Inet4Address;
            if ((v4 && !ipv4) || (!v4 && !ipv6)) {
                throw new CniException(CniErrorCode.INVALID_CONFIG, "requested IP " + ip.getHostAddress()
                        + " is " + (v4 ? "IPv4" : "IPv6") + " but the network's ipFamilies do not include it");
            }
        }

        Optional<ObjectNode> prev = Optional.empty();
        JsonNode prevNode = conf.get("prevResult");
        if (prevNode != null && !prevNode.isNull()) {
            if (!(prevNode instanceof ObjectNode o)) {
                throw new CniException(CniErrorCode.INVALID_CONFIG, "network config field \"prevResult\": must be an object");
            }
            prev = Optional.of(o);
        }
        if (command == CniCommand.CHECK && prev.isEmpty()) {
            throw new CniException(CniErrorCode.INVALID_CONFIG,
                    "CHECK needs \"prevResult\" (the result of the preceding ADD) in the network config");
        }

        List<CniRequest.Attachment> valid = List.of();
        if (command == CniCommand.GC) {
            valid = validAttachments(conf);
        }
        var config = new CniRequest.NetworkConfig(version, name, type, mtu, ipv4, ipv6, staticIps, prev, valid, conf);
        return new CniRequest(command, containerId, netns, ifname, args, config);
    }

    private static ObjectNode decode(byte[] stdin) throws CniException {
        if (stdin.length == 0) {
            throw new CniException(CniErrorCode.DECODE_FAILURE, "no network configuration on stdin",
                    "the runtime must pass the network config JSON on the plugin's stdin");
        }
        JsonNode n;
        try {
            n = JSON.readTree(stdin);
        } catch (JacksonException e) {
            throw new CniException(CniErrorCode.DECODE_FAILURE, "network config on stdin is not valid JSON",
                    e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + " column "
                            + e.getLocation().getColumnNr());
        }
        if (!(n instanceof ObjectNode o)) {
            throw new CniException(CniErrorCode.DECODE_FAILURE, "network config on stdin must be a JSON object",
                    "got: " + abbreviate(new String(stdin, StandardCharsets.UTF_8)));
        }
        return o;
    }

    private static String requiredString(ObjectNode conf, String field) throws CniException {
        JsonNode n = conf.get(field);
        if (n == null || n.isNull()) {
            throw new CniException(CniErrorCode.INVALID_CONFIG, "network config field \"" + field + "\" is missing");
        }
        if (!n.isString() || n.stringValue().isEmpty()) {
            throw new CniException(CniErrorCode.INVALID_CONFIG,
                    "network config field \"" + field + "\" must be a non-empty string, got " + n);
        }
        return n.stringValue();
    }

    private static String requiredEnv(Map<String, String> env, String name) throws CniException {
        String v = env.get(name);
        if (v == null || v.isEmpty()) {
            throw new CniException(CniErrorCode.INVALID_ENVIRONMENT, name + " is not set",
                    "the runtime must set " + name + " for " + env.get("CNI_COMMAND"));
        }
        return v;
    }

    /** Linux interface names: 1..15 bytes, not "." or "..", no '/', ':' or whitespace (CNI spec §Parameters). */
    static void validateIfname(String ifname) throws CniException {
        String why = null;
        if (ifname.length() > 15) {
            why = "longer than 15 characters";
        } else if (ifname.equals(".") || ifname.equals("..")) {
            why = "not a usable name";
        } else if (ifname.chars().anyMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x21 || c > 0x7e)) {
            why = "it contains '/', ':', whitespace or non-printable characters";
        }
        if (why != null) {
            throw new CniException(CniErrorCode.INVALID_ENVIRONMENT, "CNI_IFNAME \"" + ifname + "\" is invalid: " + why);
        }
    }

    /** {@code K=V;K2=V2}: the CNI_ARGS convention. */
    static Map<String, String> parseArgs(String text) throws CniException {
        Map<String, String> args = new LinkedHashMap<>();
        if (text.isBlank()) {
            return args;
        }
        for (String pair : text.split(";")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0 || !ARG_KEY.matcher(pair.substring(0, eq)).matches()) {
                throw new CniException(CniErrorCode.INVALID_ENVIRONMENT,
                        "CNI_ARGS: \"" + pair + "\" is not KEY=VALUE", "CNI_ARGS is \"" + text + "\"");
            }
            args.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        boolean ignoreUnknown = List.of("1", "true").contains(args.getOrDefault("IgnoreUnknown", "").toLowerCase());
        if (!ignoreUnknown) {
            for (String k : args.keySet()) {
                if (!KNOWN_ARGS.contains(k)) {
                    throw new CniException(CniErrorCode.INVALID_ENVIRONMENT, "CNI_ARGS: unknown key \"" + k + "\"",
                            "known keys are " + KNOWN_ARGS + "; add IgnoreUnknown=1 to pass others through");
                }
            }
        }
        return args;
    }

    /** Static IPs: runtimeConfig.ips (the "ips" capability), args.cni.ips, or CNI_ARGS IP= (comma list). */
    private static List<InetAddress> staticIps(ObjectNode conf, Map<String, String> args) throws CniException {
        LinkedHashSet<InetAddress> out = new LinkedHashSet<>();
        JsonNode rc = conf.path("runtimeConfig").path("ips");
        addIps(out, rc, "runtimeConfig.ips");
        addIps(out, conf.path("args").path("cni").path("ips"), "args.cni.ips");
        String ipArg = args.get("IP");
        if (ipArg != null && !ipArg.isBlank()) {
            for (String s : ipArg.split(",")) {
                out.add(parseIp(s, "CNI_ARGS IP", CniErrorCode.INVALID_ENVIRONMENT));
            }
        }
        long v4 = out.stream().filter(a -> a instanceof Inet4Address).count();
        if (v4 > 1 || out.size() - v4 > 1) {
            throw new CniException(CniErrorCode.INVALID_CONFIG,
                    "at most one static IP per family can be requested, got " + out.stream().map(InetAddress::getHostAddress).toList());
        }
        return new ArrayList<>(out);
    }

    private static void addIps(LinkedHashSet<InetAddress> out, JsonNode node, String field) throws CniException {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isArray()) {
            throw new CniException(CniErrorCode.INVALID_CONFIG, "network config field \"" + field + "\" must be an array of IP addresses");
        }
        for (JsonNode n : node) {
            if (!n.isString()) {
                throw new CniException(CniErrorCode.INVALID_CONFIG, "network config field \"" + field + "\": " + n + " is not a string");
            }
            out.add(parseIp(n.stringValue(), "network config field \"" + field + "\"", CniErrorCode.INVALID_CONFIG));
        }
    }

    private static InetAddress parseIp(String text, String where, CniErrorCode code) throws CniException {
        try {
            IpPrefix c = IpPrefix.parse(text);
            return c.address();
        } catch (IllegalArgumentException e) {
            throw new CniException(code, where + ": \"" + text + "\" is not an IP address");
        }
    }

    private static List<CniRequest.Attachment> validAttachments(ObjectNode conf) throws CniException {
        JsonNode v = conf.get("cni.dev/valid-attachments");
        if (v == null || v.isNull()) {
            throw new CniException(CniErrorCode.INVALID_CONFIG,
                    "GC needs \"cni.dev/valid-attachments\" (the attachments the runtime still knows) in the network config");
        }
        if (!v.isArray()) {
            throw new CniException(CniErrorCode.INVALID_CONFIG, "\"cni.dev/valid-attachments\" must be an array");
        }
        List<CniRequest.Attachment> out = new ArrayList<>();
        int i = 0;
        for (JsonNode a : v) {
            JsonNode id = a.get("containerID");
            JsonNode ifn = a.get("ifname");
            if (id == null || !id.isString() || ifn == null || !ifn.isString()) {
                throw new CniException(CniErrorCode.INVALID_CONFIG, "\"cni.dev/valid-attachments\"[" + i
                        + "] must have string fields \"containerID\" and \"ifname\"");
            }
            out.add(new CniRequest.Attachment(id.stringValue(), ifn.stringValue()));
            i++;
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
