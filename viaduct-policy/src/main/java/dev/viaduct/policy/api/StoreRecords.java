package dev.viaduct.policy.api;

import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.EgressRule;
import dev.viaduct.policy.model.IngressRule;
import dev.viaduct.policy.model.IpBlock;
import dev.viaduct.policy.model.LabelSelector;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.NetworkPolicySpec;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.policy.model.Rule;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON of the policy-related store records:
 * <ul>
 *   <li>{@code /viaduct/v1/policies/<ns>/<name>}: the NetworkPolicy as the Kubernetes API has it
 *       ({@code apiVersion}, {@code kind}, {@code metadata.name/namespace}, {@code spec} unchanged);</li>
 *   <li>{@code /viaduct/v1/pods/<ns>/<pod>}: {@code {"labels":{..},"node":"n1","ports":[{"name":"http",
 *       "containerPort":8080,"protocol":"TCP"}]}} (core/v1 ContainerPort field names);</li>
 *   <li>{@code /viaduct/v1/namespaces/<ns>}: {@code {"labels":{..}}}.</li>
 * </ul>
 * Encoding is deterministic (sorted labels). Decoding validates like the API and names the field of any error.
 */
public final class StoreRecords {
    /**
     * Built on first use: a mapper's construction (its java.time support, date formats, locale data) is tens of ms of
     * a short command's start, and a caller that parses the record itself ({@link #decodePolicy(JsonNode, String)})
     * needs none.
     */
    private static final class Json {
        static final JsonMapper MAPPER = JsonMapper.builder().build();
    }

    private static final Set<String> POD_FIELDS = Set.of("labels", "node", "ports");
    private static final Set<String> PORT_FIELDS = Set.of("name", "containerPort", "protocol");
    private static final Set<String> NAMESPACE_FIELDS = Set.of("labels");

    private StoreRecords() {
    }

    /** What the store holds for a pod; its addresses come from IPAM, its veth name from its handle. */
    public record PodRecord(Map<String, String> labels, String node, List<ContainerPort> ports) {
        public PodRecord {
            labels = Map.copyOf(labels);
            ports = List.copyOf(ports);
        }
    }

    /** What the store holds for a namespace. */
    public record NamespaceRecord(Map<String, String> labels) {
        public NamespaceRecord {
            labels = Map.copyOf(labels);
        }
    }

    /** A store record that does not decode, with every field error found. */
    public static final class RecordException extends Exception {
        private final List<FieldError> errors;

        RecordException(String what, List<FieldError> errors) {
            super(what + ": " + String.join("; ", errors.stream().map(FieldError::toString).toList()));
            this.errors = List.copyOf(errors);
        }

        public List<FieldError> errors() {
            return errors;
        }
    }

    // ------------------------------------------------------------------ policies

    public static String encodePolicy(NetworkPolicy p) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("apiVersion", NetworkPolicyReader.API_VERSION);
        root.put("kind", NetworkPolicyReader.KIND);
        ObjectNode meta = root.putObject("metadata");
        meta.put("name", p.name());
        meta.put("namespace", p.namespace());
        ObjectNode spec = root.putObject("spec");
        NetworkPolicySpec s = p.spec();
        spec.set("podSelector", selector(s.podSelector()));
        if (!s.policyTypes().isEmpty()) {
            ArrayNode types = spec.putArray("policyTypes");
            s.policyTypes().forEach(t -> types.add(t.name()));
        }
        if (!s.ingress().isEmpty()) {
            ArrayNode in = spec.putArray("ingress");
            for (IngressRule r : s.ingress()) {
                in.add(rule(r, "from"));
            }
        }
        if (!s.egress().isEmpty()) {
            ArrayNode eg = spec.putArray("egress");
            for (EgressRule r : s.egress()) {
                eg.add(rule(r, "to"));
            }
        }
        return Json.MAPPER.writeValueAsString(root);
    }

    /** Decodes and validates a policy record; its key's namespace fills an absent {@code metadata.namespace}. */
    public static NetworkPolicy decodePolicy(String json, String namespace) throws PolicyValidationException {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new PolicyValidationException(List.of(new PolicyValidationException.ObjectErrors("", NetworkPolicyReader.QUALIFIED_KIND, "",
                    List.of(FieldError.invalid("<record>", new FieldError.Raw("(not JSON)"), e.getOriginalMessage())))));
        }
        return decodePolicy(n, namespace);
    }

    /**
     * {@link #decodePolicy(String, String)} of a record the caller has parsed (the same tree the mapper would build);
     * a record that is not JSON is that method's to report.
     */
    public static NetworkPolicy decodePolicy(JsonNode tree, String namespace) throws PolicyValidationException {
        return NetworkPolicyReader.readOne(tree, namespace);
    }

    private static ObjectNode rule(Rule r, String peersField) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (!r.ports().isEmpty()) {
            ArrayNode ports = o.putArray("ports");
            for (PolicyPort p : r.ports()) {
                ObjectNode po = ports.addObject();
                po.put("protocol", p.protocol().name());
                switch (p.port()) {
                    case null -> { }
                    case PolicyPort.Port.Number n -> po.put("port", n.value());
                    case PolicyPort.Port.Named n -> po.put("port", n.name());
                }
                if (p.endPort() != 0) {
                    po.put("endPort", p.endPort());
                }
            }
        }
        if (!r.peers().isEmpty()) {
            ArrayNode peers = o.putArray(peersField);
            for (Peer peer : r.peers()) {
                ObjectNode po = peers.addObject();
                switch (peer) {
                    case Peer.Pods s -> {
                        if (s.podSelector() != null) {
                            po.set("podSelector", selector(s.podSelector()));
                        }
                        if (s.namespaceSelector() != null) {
                            po.set("namespaceSelector", selector(s.namespaceSelector()));
                        }
                    }
                    case Peer.Block b -> {
                        ObjectNode bo = po.putObject("ipBlock");
                        IpBlock block = b.ipBlock();
                        bo.put("cidr", block.cidr().toString());
                        if (!block.except().isEmpty()) {
                            ArrayNode ex = bo.putArray("except");
                            for (IpPrefix e : block.except()) {
                                ex.add(e.toString());
                            }
                        }
                    }
                }
            }
        }
        return o;
    }

    private static ObjectNode selector(LabelSelector s) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (!s.matchLabels().isEmpty()) {
            o.set("matchLabels", labels(s.matchLabels()));
        }
        if (!s.matchExpressions().isEmpty()) {
            ArrayNode me = o.putArray("matchExpressions");
            for (LabelSelector.Requirement r : s.matchExpressions()) {
                ObjectNode ro = me.addObject();
                ro.put("key", r.key());
                ro.put("operator", r.operator().name());
                if (!r.values().isEmpty()) {
                    ArrayNode vs = ro.putArray("values");
                    r.values().forEach(vs::add);
                }
            }
        }
        return o;
    }

    private static ObjectNode labels(Map<String, String> labels) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        new TreeMap<>(labels).forEach(o::put);
        return o;
    }

    // ------------------------------------------------------------------ pods and namespaces

    public static String encodePod(PodRecord pod) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("labels", labels(pod.labels()));
        root.put("node", pod.node());
        ArrayNode ports = root.putArray("ports");
        for (ContainerPort p : pod.ports()) {
            ObjectNode po = ports.addObject();
            po.put("name", p.name());
            po.put("containerPort", p.port());
            po.put("protocol", p.protocol().name());
        }
        return Json.MAPPER.writeValueAsString(root);
    }

    public static PodRecord decodePod(String json) throws RecordException {
        List<FieldError> errs = new ArrayList<>();
        JsonNode n = object(json, "pod record");
        unknown(n, POD_FIELDS, "", errs);
        Map<String, String> labels = labels(n.get("labels"), "labels", errs);
        String node = null;
        JsonNode nn = n.get("node");
        if (nn == null || nn.isNull() || (nn.isString() && nn.asString().isEmpty())) {
            errs.add(FieldError.required("node", ""));
        } else if (!nn.isString()) {
            errs.add(FieldError.invalid("node", new FieldError.Raw(nn.toString()), "must be a string"));
        } else {
            node = nn.asString();
        }
        List<ContainerPort> ports = new ArrayList<>();
        JsonNode ps = n.get("ports");
        if (ps != null && !ps.isNull()) {
            if (!ps.isArray()) {
                errs.add(FieldError.invalid("ports", new FieldError.Raw(ps.toString()), "must be a list"));
            } else {
                for (int i = 0; i < ps.size(); i++) {
                    ContainerPort cp = port(ps.get(i), "ports[" + i + "]", errs);
                    if (cp != null) {
                        ports.add(cp);
                    }
                }
            }
        }
        if (!errs.isEmpty()) {
            throw new RecordException("pod record", errs);
        }
        return new PodRecord(labels, node, ports);
    }

    public static String encodeNamespace(NamespaceRecord ns) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("labels", labels(ns.labels()));
        return Json.MAPPER.writeValueAsString(root);
    }

    public static NamespaceRecord decodeNamespace(String json) throws RecordException {
        List<FieldError> errs = new ArrayList<>();
        JsonNode n = object(json, "namespace record");
        unknown(n, NAMESPACE_FIELDS, "", errs);
        Map<String, String> labels = labels(n.get("labels"), "labels", errs);
        if (!errs.isEmpty()) {
            throw new RecordException("namespace record", errs);
        }
        return new NamespaceRecord(labels);
    }

    private static ContainerPort port(JsonNode n, String at, List<FieldError> errs) {
        if (!n.isObject()) {
            errs.add(FieldError.invalid(at, new FieldError.Raw(n.toString()), "must be an object"));
            return null;
        }
        int before = errs.size();
        unknown(n, PORT_FIELDS, at + ".", errs);
        JsonNode name = n.get("name");
        String nm = null;
        if (name == null || !name.isString()) {
            errs.add(FieldError.required(at + ".name", "a named port needs its name"));
        } else {
            nm = name.asString();
            String v = nm;
            ApiStrings.portName(nm).forEach(m -> errs.add(FieldError.invalid(at + ".name", v, m)));
        }
        JsonNode cp = n.get("containerPort");
        int number = 0;
        if (cp == null || !cp.isIntegralNumber() || !cp.canConvertToInt()) {
            errs.add(FieldError.invalid(at + ".containerPort", cp == null ? null : new FieldError.Raw(cp.toString()), "must be an integer"));
        } else {
            number = cp.intValue();
            int v = number;
            ApiStrings.portNumber(number).forEach(m -> errs.add(FieldError.invalid(at + ".containerPort", v, m)));
        }
        Protocol protocol = Protocol.TCP;
        JsonNode pr = n.get("protocol");
        if (pr != null && !pr.isNull()) {
            String t = pr.isString() ? pr.asString() : pr.toString();
            protocol = Protocol.parse(t);
            if (protocol == null) {
                errs.add(FieldError.notSupported(at + ".protocol", t, Protocol.names()));
            }
        }
        return errs.size() == before ? new ContainerPort(nm, number, protocol) : null;
    }

    private static Map<String, String> labels(JsonNode n, String at, List<FieldError> errs) {
        Map<String, String> out = new TreeMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            errs.add(FieldError.invalid(at, new FieldError.Raw(n.toString()), "must be an object"));
            return out;
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            String k = e.getKey();
            ApiStrings.labelKey(k).forEach(m -> errs.add(FieldError.invalid(at, k, m)));
            if (!e.getValue().isString()) {
                errs.add(FieldError.invalid(at + "." + k, new FieldError.Raw(e.getValue().toString()), "must be a string"));
                continue;
            }
            String v = e.getValue().asString();
            ApiStrings.labelValue(v).forEach(m -> errs.add(FieldError.invalid(at, v, m)));
            out.put(k, v);
        }
        return out;
    }

    private static void unknown(JsonNode n, Set<String> known, String prefix, List<FieldError> errs) {
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!known.contains(e.getKey())) {
                errs.add(FieldError.unknownField(prefix + e.getKey()));
            }
        }
    }

    private static JsonNode object(String json, String what) throws RecordException {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new RecordException(what, List.of(FieldError.invalid("<record>", new FieldError.Raw("(not JSON)"), e.getOriginalMessage())));
        }
        if (!n.isObject()) {
            throw new RecordException(what, List.of(FieldError.invalid("<record>", new FieldError.Raw(n.toString()), "must be an object")));
        }
        return n;
    }
}
