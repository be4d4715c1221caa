package dev.viaduct.policy.api;

import dev.viaduct.policy.model.EgressRule;
import dev.viaduct.policy.model.IngressRule;
import dev.viaduct.policy.model.IpBlock;
import dev.viaduct.policy.model.LabelSelector;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.NetworkPolicySpec;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads Kubernetes NetworkPolicy YAML or JSON — one object, a {@code List} or {@code NetworkPolicyList} with
 * {@code items}, or several YAML documents — and validates each object as the API server's
 * {@code ValidateNetworkPolicy} does (with strict CIDR validation), plus strict decoding (unknown fields are
 * errors). All errors of all objects are reported together; nothing is returned unless everything is valid.
 */
public final class NetworkPolicyReader {
    public static final String API_VERSION = "networking.k8s.io/v1";
    public static final String KIND = "NetworkPolicy";
    /** The API server names the resource this way in its errors. */
    static final String QUALIFIED_KIND = "NetworkPolicy.networking.k8s.io";

    private static final Set<String> OBJECT_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec", "status");
    private static final Set<String> SPEC_FIELDS = Set.of("podSelector", "policyTypes", "ingress", "egress");
    private static final Set<String> SELECTOR_FIELDS = Set.of("matchLabels", "matchExpressions");
    private static final Set<String> REQUIREMENT_FIELDS = Set.of("key", "operator", "values");
    private static final Set<String> INGRESS_FIELDS = Set.of("from", "ports");
    private static final Set<String> EGRESS_FIELDS = Set.of("to", "ports");
    private static final Set<String> PEER_FIELDS = Set.of("podSelector", "namespaceSelector", "ipBlock");
    private static final Set<String> BLOCK_FIELDS = Set.of("cidr", "except");
    private static final Set<String> PORT_FIELDS = Set.of("protocol", "port", "endPort");

    private NetworkPolicyReader() {
    }

    /**
     * Reads every NetworkPolicy in {@code text}. Objects without {@code metadata.namespace} get
     * {@code defaultNamespace} (as kubectl gives them the context's namespace); null leaves it required.
     */
    public static List<NetworkPolicy> read(String text, String defaultNamespace) throws PolicyValidationException {
        List<JsonNode> docs = documents(text);
        List<NetworkPolicy> out = new ArrayList<>();
        List<PolicyValidationException.ObjectErrors> bad = new ArrayList<>();
        for (int d = 0; d < docs.size(); d++) {
            JsonNode doc = docs.get(d);
            String where = docs.size() > 1 ? "document " + (d + 1) : "";
            String kind = doc.path("kind").isString() ? doc.path("kind").asString() : "";
            if (doc.isObject() && (kind.equals("List") || kind.equals("NetworkPolicyList"))) {
                JsonNode items = doc.path("items");
                if (!items.isArray()) {
                    bad.add(new PolicyValidationException.ObjectErrors(where, kind, "",
                            List.of(FieldError.required("items", "a list of NetworkPolicy objects"))));
                    continue;
                }
                for (int i = 0; i < items.size(); i++) {
                    one(items.get(i), defaultNamespace, (where.isEmpty() ? "" : where + " ") + "items[" + i + "]", out, bad);
                }
            } else {
                one(doc, defaultNamespace, where, out, bad);
            }
        }
        if (!bad.isEmpty()) {
            throw new PolicyValidationException(bad);
        }
        return out;
    }

    /** Reads exactly one NetworkPolicy object (a store record, say). */
    public static NetworkPolicy readOne(JsonNode object, String defaultNamespace) throws PolicyValidationException {
        List<NetworkPolicy> out = new ArrayList<>();
        List<PolicyValidationException.ObjectErrors> bad = new ArrayList<>();
        one(object, defaultNamespace, "", out, bad);
        if (!bad.isEmpty()) {
            throw new PolicyValidationException(bad);
        }
        return out.getFirst();
    }

    private static void one(JsonNode n, String defaultNamespace, String where, List<NetworkPolicy> out,
                            List<PolicyValidationException.ObjectErrors> bad) {
        Walk w = new Walk();
        NetworkPolicy p = w.policy(n, defaultNamespace);
        if (w.errors.isEmpty()) {
            out.add(p);
        } else {
            bad.add(new PolicyValidationException.ObjectErrors(where, QUALIFIED_KIND, w.name, w.errors));
        }
    }

    /** JSON when it parses as JSON (tabs and all), else YAML (a flow-style YAML mapping also starts with '{'). */
    private static List<JsonNode> documents(String text) throws PolicyValidationException {
        String t = text.stripLeading();
        List<JsonNode> docs;
        try {
            docs = t.startsWith("{") || t.startsWith("[") ? parse(JsonMapper.builder().build(), text) : null;
        } catch (JacksonException notJson) {
            docs = null;
        }
        if (docs == null) {
            try {
                docs = parse(YAMLMapper.builder().build(), text);
            } catch (JacksonException e) {
                throw syntax(e.getOriginalMessage());
            }
        }
        if (docs.isEmpty()) {
            throw syntax("no object in the input");
        }
        return docs;
    }

    private static List<JsonNode> parse(ObjectMapper m, String text) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = m.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                JsonNode d = it.nextValue();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    private static PolicyValidationException syntax(String why) {
        return new PolicyValidationException(List.of(new PolicyValidationException.ObjectErrors("", QUALIFIED_KIND, "",
                List.of(FieldError.invalid("<input>", new FieldError.Raw("(not YAML/JSON)"), why)))));
    }

    /** One object's walk: builds the model while collecting every error. */
    private static final class Walk {
        final List<FieldError> errors = new ArrayList<>();
        String name = "";

        NetworkPolicy policy(JsonNode n, String defaultNamespace) {
            if (!n.isObject()) {
                errors.add(FieldError.invalid("<object>", new FieldError.Raw(n.getNodeType().toString()), "must be an object"));
                return null;
            }
            fields(n, "", OBJECT_FIELDS);
            String apiVersion = string(n, "apiVersion", "apiVersion");
            String kind = string(n, "kind", "kind");
            if (apiVersion == null) {
                errors.add(FieldError.required("apiVersion", ""));
            } else if (!apiVersion.equals(API_VERSION)) {
                errors.add(FieldError.notSupported("apiVersion", apiVersion, List.of(API_VERSION)));
            }
            if (kind == null) {
                errors.add(FieldError.required("kind", ""));
            } else if (!kind.equals(KIND)) {
                errors.add(FieldError.notSupported("kind", kind, List.of(KIND)));
            }
            JsonNode meta = n.path("metadata");
            String ns = null;
            if (meta.isObject()) {
                name = orEmpty(string(meta, "name", "metadata.name"));
                ns = string(meta, "namespace", "metadata.namespace");
            } else if (!meta.isMissingNode()) {
                errors.add(FieldError.invalid("metadata", new FieldError.Raw(meta.getNodeType().toString()), "must be an object"));
            }
            if (ns == null || ns.isEmpty()) {
                ns = defaultNamespace;
            }
            // ValidateObjectMeta: name (DNS-1123 subdomain for NetworkPolicy), then namespace (DNS-1123 label)
            if (name.isEmpty()) {
                errors.add(FieldError.required("metadata.name", "name or generateName is required"));
            } else {
                ApiStrings.dns1123Subdomain(name).forEach(m -> errors.add(FieldError.invalid("metadata.name", name, m)));
            }
            if (ns == null || ns.isEmpty()) {
                errors.add(FieldError.required("metadata.namespace", ""));
            } else {
                String nsf = ns;
                ApiStrings.dns1123Label(ns).forEach(m -> errors.add(FieldError.invalid("metadata.namespace", nsf, m)));
            }
            NetworkPolicySpec spec = spec(n.path("spec"), "spec");
            return errors.isEmpty() ? new NetworkPolicy(ns, name, spec) : null;
        }

        NetworkPolicySpec spec(JsonNode n, String at) {
            if (n.isMissingNode() || n.isNull()) {
                return new NetworkPolicySpec(LabelSelector.ALL, List.of(), List.of(), List.of());
            }
            if (!object(n, at)) {
                return null;
            }
            fields(n, at, SPEC_FIELDS);
            LabelSelector podSelector = orAll(selector(n.get("podSelector"), at + ".podSelector"));
            List<IngressRule> ingress = rules(n.get("ingress"), at + ".ingress", INGRESS_FIELDS, "from", IngressRule::new);
            List<EgressRule> egress = rules(n.get("egress"), at + ".egress", EGRESS_FIELDS, "to", EgressRule::new);
            List<PolicyType> types = new ArrayList<>();
            JsonNode pt = list(n.get("policyTypes"), at + ".policyTypes");
            if (pt.size() > 2) {
                List<String> shown = new ArrayList<>();
                pt.forEach(v -> shown.add(FieldError.quote(v.asString(""))));
                errors.add(FieldError.invalid(at + ".policyTypes",
                        new FieldError.Raw("[]networking.PolicyType{" + String.join(", ", shown) + "}"),
                        "may not specify more than two policyTypes"));
            } else {
                for (int i = 0; i < pt.size(); i++) {
                    String p = at + ".policyTypes[" + i + "]";
                    String v = stringValue(pt.get(i), p);
                    if (v == null) {
                        continue;
                    }
                    switch (v) {
                        case "Ingress" -> types.add(PolicyType.Ingress);
                        case "Egress" -> types.add(PolicyType.Egress);
                        default -> errors.add(FieldError.notSupported(p, v, List.of("Ingress", "Egress")));
                    }
                }
            }
            return errors.isEmpty() ? new NetworkPolicySpec(podSelector, types, ingress, egress) : null;
        }

        /** Ingress or egress rules; validated in the API server's order: ports, then peers. */
        <R> List<R> rules(JsonNode n, String at, Set<String> known, String peersField, BiFunction<List<Peer>, List<PolicyPort>, R> make) {
            List<R> out = new ArrayList<>();
            JsonNode l = list(n, at);
            for (int i = 0; i < l.size(); i++) {
                String rp = at + "[" + i + "]";
                JsonNode r = l.get(i);
                if (!object(r, rp)) {
                    continue;
                }
                fields(r, rp, known);
                List<PolicyPort> ports = ports(r.get("ports"), rp + ".ports");
                List<Peer> peers = peers(r.get(peersField), rp + "." + peersField);
                out.add(make.apply(peers, ports));
            }
            return out;
        }

        List<Peer> peers(JsonNode n, String at) {
            List<Peer> out = new ArrayList<>();
            JsonNode l = list(n, at);
            for (int i = 0; i < l.size(); i++) {
                String p = at + "[" + i + "]";
                JsonNode peer = l.get(i);
                if (!object(peer, p)) {
                    continue;
                }
                fields(peer, p, PEER_FIELDS);
                int before = errors.size();
                int count = 0;
                LabelSelector pods = null;
                LabelSelector nss = null;
                IpBlock block = null;
                if (present(peer, "podSelector")) {
                    count++;
                    pods = selector(peer.get("podSelector"), p + ".podSelector");
                }
                if (present(peer, "namespaceSelector")) {
                    count++;
                    nss = selector(peer.get("namespaceSelector"), p + ".namespaceSelector");
                }
                if (present(peer, "ipBlock")) {
                    count++;
                    block = ipBlock(peer.get("ipBlock"), p + ".ipBlock");
                }
                if (count == 0) {
                    errors.add(FieldError.required(p, "must specify a peer"));
                } else if (count > 1 && present(peer, "ipBlock")) {
                    errors.add(FieldError.forbidden(p, "may not specify both ipBlock and another peer"));
                }
                if (errors.size() == before) {
                    out.add(block != null ? new Peer.Block(block) : new Peer.Pods(pods, nss));
                }
            }
            return out;
        }

        IpBlock ipBlock(JsonNode n, String at) {
            if (!object(n, at)) {
                return null;
            }
            fields(n, at, BLOCK_FIELDS);
            String cidrText = string(n, "cidr", at + ".cidr");
            if (cidrText == null || cidrText.isEmpty()) {
                errors.add(FieldError.required(at + ".cidr", ""));
                return null;
            }
            IpPrefix cidr = cidr(cidrText, at + ".cidr");
            List<IpPrefix> except = new ArrayList<>();
            JsonNode ex = list(n.get("except"), at + ".except");
            for (int i = 0; i < ex.size(); i++) {
                String p = at + ".except[" + i + "]";
                String t = stringValue(ex.get(i), p);
                if (t == null) {
                    continue;
                }
                IpPrefix e = cidr(t, p);
                if (e == null || cidr == null) {
                    continue;
                }
                // strictly inside: the except network lies in cidr and is longer
                if (!cidr.contains(e) || cidr.length() >= e.length()) {
                    errors.add(FieldError.invalid(p, t, "must be a strict subset of `cidr`"));
                } else {
                    except.add(e);
                }
            }
            return cidr == null ? null : new IpBlock(cidr, except);
        }

        /** Strict CIDR validation (the StrictIPCIDRValidation rules). */
        IpPrefix cidr(String text, String at) {
            IpPrefix p;
            try {
                p = IpPrefix.parse(text);
            } catch (IllegalArgumentException e) {
                p = null;
            }
            if (p == null || !text.contains("/") || !text.equals(text.strip())) {
                errors.add(FieldError.invalid(at, text, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
                return null;
            }
            if (leadingZeros(text)) {
                errors.add(FieldError.invalid(at, text, "must not have leading 0s in IP or prefix length"));
                return null;
            }
            if (text.contains(":") && !p.ipv6()) {
                errors.add(FieldError.invalid(at, text, "must not have an IPv4-mapped IPv6 address"));
                return null;
            }
            if (!p.isNetwork()) {
                errors.add(FieldError.invalid(at, text, "must not have bits set beyond the prefix length"));
                return null;
            }
            return p;
        }

        private static boolean leadingZeros(String text) {
            int slash = text.indexOf('/');
            String len = text.substring(slash + 1);
            if (len.length() > 1 && len.charAt(0) == '0') {
                return true;
            }
            String addr = text.substring(0, slash);
            if (addr.contains(":")) {
                return false;
            }
            for (String part : addr.split("\\.")) {
                if (part.length() > 1 && part.charAt(0) == '0') {
                    return true;
                }
            }
            return false;
        }

        List<PolicyPort> ports(JsonNode n, String at) {
            List<PolicyPort> out = new ArrayList<>();
            JsonNode l = list(n, at);
            for (int i = 0; i < l.size(); i++) {
                String p = at + "[" + i + "]";
                JsonNode port = l.get(i);
                if (!object(port, p)) {
                    continue;
                }
                fields(port, p, PORT_FIELDS);
                int before = errors.size();
                Protocol protocol = Protocol.TCP;
                String proto = string(port, "protocol", p + ".protocol");
                if (proto != null) {
                    protocol = Protocol.parse(proto);
                    if (protocol == null) {
                        errors.add(FieldError.notSupported(p + ".protocol", proto, Protocol.names()));
                    }
                }
                Long endPort = null;
                if (present(port, "endPort")) {
                    endPort = int32(port.get("endPort"), p + ".endPort");
                }
                PolicyPort.Port value = null;
                JsonNode pv = port.get("port");
                if (pv != null && !pv.isNull()) {
                    if (pv.isIntegralNumber()) {
                        Long num = int32(pv, p + ".port");
                        if (num != null) {
                            ApiStrings.portNumber(num).forEach(m -> errors.add(FieldError.invalid(p + ".port", num, m)));
                            value = new PolicyPort.Port.Number(num.intValue());
                            if (endPort != null) {
                                long e = endPort;
                                if (e < num) {
                                    errors.add(FieldError.invalid(p + ".endPort", e, "must be greater than or equal to `port`"));
                                }
                                ApiStrings.portNumber(e).forEach(m -> errors.add(FieldError.invalid(p + ".endPort", e, m)));
                            }
                        }
                    } else if (pv.isString()) {
                        String name = pv.asString();
                        if (endPort != null) {
                            errors.add(FieldError.invalid(p + ".endPort", endPort, "may not be specified when `port` is non-numeric"));
                        }
                        ApiStrings.portName(name).forEach(m -> errors.add(FieldError.invalid(p + ".port", name, m)));
                        value = new PolicyPort.Port.Named(name);
                    } else {
                        errors.add(FieldError.invalid(p + ".port", raw(pv), "must be an integer or a string"));
                    }
                } else if (endPort != null) {
                    errors.add(FieldError.invalid(p + ".endPort", endPort, "may not be specified when `port` is not specified"));
                }
                if (errors.size() == before) {
                    out.add(new PolicyPort(protocol, value, endPort == null ? 0 : endPort.intValue()));
                }
            }
            return out;
        }

        /** A LabelSelector, or null when absent. */
        LabelSelector selector(JsonNode n, String at) {
            if (n == null || n.isNull()) {
                return null;
            }
            if (!object(n, at)) {
                return null;
            }
            fields(n, at, SELECTOR_FIELDS);
            Map<String, String> labels = new TreeMap<>();
            JsonNode ml = n.get("matchLabels");
            if (ml != null && !ml.isNull()) {
                if (object(ml, at + ".matchLabels")) {
                    for (Map.Entry<String, JsonNode> e : ml.properties()) {
                        String k = e.getKey();
                        String v = stringValue(e.getValue(), at + ".matchLabels." + k);
                        ApiStrings.labelKey(k).forEach(m -> errors.add(FieldError.invalid(at + ".matchLabels", k, m)));
                        if (v != null) {
                            ApiStrings.labelValue(v).forEach(m -> errors.add(FieldError.invalid(at + ".matchLabels", v, m)));
                            labels.put(k, v);
                        }
                    }
                }
            }
            List<LabelSelector.Requirement> reqs = new ArrayList<>();
            JsonNode me = list(n.get("matchExpressions"), at + ".matchExpressions");
            for (int i = 0; i < me.size(); i++) {
                String p = at + ".matchExpressions[" + i + "]";
                JsonNode r = me.get(i);
                if (!object(r, p)) {
                    continue;
                }
                fields(r, p, REQUIREMENT_FIELDS);
                String key = orEmpty(string(r, "key", p + ".key"));
                String op = orEmpty(string(r, "operator", p + ".operator"));
                List<String> values = new ArrayList<>();
                JsonNode vs = list(r.get("values"), p + ".values");
                for (int j = 0; j < vs.size(); j++) {
                    String v = stringValue(vs.get(j), p + ".values[" + j + "]");
                    if (v != null) {
                        values.add(v);
                    }
                }
                LabelSelector.Operator operator = null;
                switch (op) {
                    case "In", "NotIn" -> {
                        operator = LabelSelector.Operator.valueOf(op);
                        if (vs.isEmpty()) {
                            errors.add(FieldError.required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                        }
                    }
                    case "Exists", "DoesNotExist" -> {
                        operator = LabelSelector.Operator.valueOf(op);
                        if (!vs.isEmpty()) {
                            errors.add(FieldError.forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                        }
                    }
                    default -> errors.add(FieldError.invalid(p + ".operator", op, "not a valid selector operator"));
                }
                ApiStrings.labelKey(key).forEach(m -> errors.add(FieldError.invalid(p + ".key", key, m)));
                for (int j = 0; j < values.size(); j++) {
                    String v = values.get(j);
                    String vp = p + ".values[" + j + "]";
                    ApiStrings.labelValue(v).forEach(m -> errors.add(FieldError.invalid(vp, v, m)));
                }
                if (operator != null) {
                    reqs.add(new LabelSelector.Requirement(key, operator, values));
                }
            }
            return new LabelSelector(labels, reqs);
        }

        // ------------------------------------------------------------------ JSON shapes

        void fields(JsonNode n, String at, Set<String> known) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                if (!known.contains(e.getKey())) {
                    errors.add(FieldError.unknownField(at.isEmpty() ? e.getKey() : at + "." + e.getKey()));
                }
            }
        }

        boolean object(JsonNode n, String at) {
            if (n.isObject()) {
                return true;
            }
            errors.add(FieldError.invalid(at, raw(n), "must be an object"));
            return false;
        }

        /** The list at {@code n}; absent or null is the empty list (the API treats them alike). */
        JsonNode list(JsonNode n, String at) {
            if (n == null || n.isNull()) {
                return JsonNodeFactory.instance.arrayNode();
            }
            if (!n.isArray()) {
                errors.add(FieldError.invalid(at, raw(n), "must be a list"));
                return JsonNodeFactory.instance.arrayNode();
            }
            return n;
        }

        String string(JsonNode parent, String field, String at) {
            JsonNode n = parent.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            return stringValue(n, at);
        }

        String stringValue(JsonNode n, String at) {
            if (n.isString()) {
                return n.asString();
            }
            errors.add(FieldError.invalid(at, raw(n), "must be a string"));
            return null;
        }

        Long int32(JsonNode n, String at) {
            if (n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= Integer.MIN_VALUE && n.longValue() <= Integer.MAX_VALUE) {
                return n.longValue();
            }
            errors.add(FieldError.invalid(at, raw(n), "must be a 32-bit integer"));
            return null;
        }

        private static boolean present(JsonNode n, String field) {
            JsonNode v = n.get(field);
            return v != null && !v.isNull();
        }

        private static Object raw(JsonNode n) {
            if (n.isString()) {
                return n.asString();
            }
            return new FieldError.Raw(n.toString());
        }

        private static String orEmpty(String s) {
            return s == null ? "" : s;
        }

        private static LabelSelector orAll(LabelSelector s) {
            return s == null ? LabelSelector.ALL : s;
        }
    }
}
