package dev.viaduct.policy.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.policy.Samples;
import dev.viaduct.policy.model.IpBlock;
import dev.viaduct.policy.model.LabelSelector;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.sys.net.IpPrefix;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NetworkPolicyReaderTest {
    private static final String HEAD = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: ns}
            """;

    @Test
    void readsTheDocumentationExample() {
        List<NetworkPolicy> all = Samples.policies();
        assertThat(all).extracting(NetworkPolicy::id)
                .containsExactly("prod/test-network-policy", "prod/web-named-and-range", "dev/default-deny-egress");
        NetworkPolicy p = all.getFirst();
        assertThat(p.spec().podSelector()).isEqualTo(LabelSelector.matchLabels(Map.of("role", "db")));
        assertThat(p.spec().ingress().getFirst().from()).containsExactly(
                new Peer.Block(new IpBlock(IpPrefix.parse("172.17.0.0/16"), List.of(IpPrefix.parse("172.17.1.0/24")))),
                new Peer.Pods(null, LabelSelector.matchLabels(Map.of("project", "myproject"))),
                new Peer.Pods(LabelSelector.matchLabels(Map.of("role", "frontend")), null));
        assertThat(p.spec().ingress().getFirst().ports()).containsExactly(PolicyPort.number(Protocol.TCP, 6379));
        NetworkPolicy web = all.get(1);
        assertThat(web.spec().ingress().getFirst().ports())
                .containsExactly(PolicyPort.named(Protocol.TCP, "http"), PolicyPort.range(Protocol.UDP, 32000, 32768));
        assertThat(web.spec().ingress().getFirst().from().getFirst()).isEqualTo(new Peer.Pods(
                LabelSelector.matchLabels(Map.of("role", "frontend")), LabelSelector.matchLabels(Map.of("team", "a"))));
    }

    @Test
    void policyTypesDefaultAsTheApiDoes() throws Exception {
        assertThat(one(HEAD + "spec: {podSelector: {}}").spec().effectiveTypes()).containsExactly(PolicyType.Ingress);
        assertThat(one(HEAD + "spec: {egress: [{}]}").spec().effectiveTypes())
                .isEqualTo(EnumSet.of(PolicyType.Ingress, PolicyType.Egress));
        assertThat(one(HEAD + "spec: {policyTypes: [Egress], ingress: [{}]}").spec().effectiveTypes())
                .containsExactly(PolicyType.Egress);
    }

    @Test
    void absentAndEmptyListsAreTheSame() throws Exception {
        NetworkPolicy a = one(HEAD + "spec: {ingress: [{from: [], ports: []}]}");
        NetworkPolicy b = one(HEAD + "spec: {ingress: [{}]}");
        assertThat(a).isEqualTo(b);
        assertThat(one(HEAD).spec().podSelector()).isEqualTo(LabelSelector.ALL);
    }

    @Test
    void defaultNamespaceFillsAnAbsentOne() throws Exception {
        String text = "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"p\"}}";
        assertThat(NetworkPolicyReader.read(text, "default").getFirst().namespace()).isEqualTo("default");
        assertThat(errors(text)).containsExactly("metadata.namespace: Required value");
    }

    @Test
    void portErrorsAreTheApiServers() {
        assertThat(errors(HEAD + """
                spec:
                  ingress:
                    - ports:
                        - port: 80
                        - port: 80
                          endPort: 79
                        - port: http
                          endPort: 90
                        - endPort: 90
                        - protocol: ICMP
                          port: 0
                        - port: Bad--Name
                        - port: 70000
                """)).containsExactly(
                "spec.ingress[0].ports[1].endPort: Invalid value: 79: must be greater than or equal to `port`",
                "spec.ingress[0].ports[2].endPort: Invalid value: 90: may not be specified when `port` is non-numeric",
                "spec.ingress[0].ports[3].endPort: Invalid value: 90: may not be specified when `port` is not specified",
                "spec.ingress[0].ports[4].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
                "spec.ingress[0].ports[4].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ingress[0].ports[5].port: Invalid value: \"Bad--Name\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "spec.ingress[0].ports[5].port: Invalid value: \"Bad--Name\": must not contain consecutive hyphens",
                "spec.ingress[0].ports[6].port: Invalid value: 70000: must be between 1 and 65535, inclusive");
    }

    @Test
    void peerAndIpBlockErrors() {
        assertThat(errors(HEAD + """
                spec:
                  egress:
                    - to:
                        - {}
                        - ipBlock: {cidr: 10.0.0.0/8}
                          podSelector: {}
                        - ipBlock: {cidr: 10.0.0.1/8}
                        - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8, 11.0.0.0/16, 10.1.0.0/16]}
                        - ipBlock: {cidr: nonsense}
                        - ipBlock: {cidr: 010.0.0.0/8}
                        - ipBlock: {}
                """)).containsExactly(
                "spec.egress[0].to[0]: Required value: must specify a peer",
                "spec.egress[0].to[1]: Forbidden: may not specify both ipBlock and another peer",
                "spec.egress[0].to[2].ipBlock.cidr: Invalid value: \"10.0.0.1/8\": must not have bits set beyond the prefix length",
                "spec.egress[0].to[3].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`",
                "spec.egress[0].to[3].ipBlock.except[1]: Invalid value: \"11.0.0.0/16\": must be a strict subset of `cidr`",
                "spec.egress[0].to[4].ipBlock.cidr: Invalid value: \"nonsense\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                "spec.egress[0].to[5].ipBlock.cidr: Invalid value: \"010.0.0.0/8\": must not have leading 0s in IP or prefix length",
                "spec.egress[0].to[6].ipBlock.cidr: Required value");
    }

    /** The messages carry apimachinery's RegexError text, its double space after each example's comma included. */
    @Test
    void selectorAndPolicyTypeErrors() {
        assertThat(errors(HEAD + """
                spec:
                  podSelector:
                    matchLabels: {"a/b/c": "x y"}
                    matchExpressions:
                      - {key: app, operator: In}
                      - {key: app, operator: Exists, values: [a]}
                      - {key: "-app", operator: Equals, values: [a]}
                  policyTypes: [Ingress, Sideways]
                """)).containsExactly(
                "spec.podSelector.matchLabels: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', "
                        + "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                        + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                "spec.podSelector.matchLabels: Invalid value: \"x y\": a valid label must be an empty string or consist of alphanumeric characters, "
                        + "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
                        + "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "spec.podSelector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "spec.podSelector.matchExpressions[2].operator: Invalid value: \"Equals\": not a valid selector operator",
                "spec.podSelector.matchExpressions[2].key: Invalid value: \"-app\": name part must consist of alphanumeric characters, '-', '_' or '.', "
                        + "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                        + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "spec.policyTypes[1]: Unsupported value: \"Sideways\": supported values: \"Ingress\", \"Egress\"");
    }

    @Test
    void metadataAndShapeErrors() {
        assertThat(errors("""
                apiVersion: networking.k8s.io/v2
                kind: NetworkPolicy
                metadata: {name: Bad_Name, namespace: a.b}
                spec: {ingress: [{form: []}]}
                """)).containsExactly(
                "apiVersion: Unsupported value: \"networking.k8s.io/v2\": supported values: \"networking.k8s.io/v1\"",
                "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                        + "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "metadata.namespace: Invalid value: \"a.b\": must not contain dots",
                "unknown field \"spec.ingress[0].form\"");
        assertThat(errors(HEAD + "spec: {policyTypes: [Ingress, Egress, Ingress]}")).containsExactly(
                "spec.policyTypes: Invalid value: []networking.PolicyType{\"Ingress\", \"Egress\", \"Ingress\"}: may not specify more than two policyTypes");
        assertThat(errors(HEAD + "spec: {ingress: [{ports: [{port: true}]}]}"))
                .containsExactly("spec.ingress[0].ports[0].port: Invalid value: true: must be an integer or a string");
    }

    @Test
    void listsAndDocumentsAreAllOrNothing() throws Exception {
        String list = """
                apiVersion: v1
                kind: List
                items:
                  - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: a, namespace: x}}
                  - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: b, namespace: x}}
                """;
        assertThat(NetworkPolicyReader.read(list, null)).extracting(NetworkPolicy::name).containsExactly("a", "b");
        String bad = list + """
                ---
                {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: c, namespace: x}, spec: {policyTypes: [Up]}}
                ---
                {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: d, namespace: x}, spec: {ingress: [{from: [{}]}]}}
                """;
        assertThatThrownBy(() -> NetworkPolicyReader.read(bad, null))
                .isInstanceOf(PolicyValidationException.class)
                .hasMessage("document 2: NetworkPolicy.networking.k8s.io \"c\" is invalid: spec.policyTypes[0]: Unsupported value: \"Up\": "
                        + "supported values: \"Ingress\", \"Egress\"\n"
                        + "document 3: NetworkPolicy.networking.k8s.io \"d\" is invalid: spec.ingress[0].from[0]: Required value: must specify a peer");
    }

    @Test
    void severalErrorsOfOneObjectAggregateLikeTheApiServer() {
        assertThatThrownBy(() -> NetworkPolicyReader.read(HEAD + "spec: {policyTypes: [A, B]}", null))
                .hasMessage("NetworkPolicy.networking.k8s.io \"p\" is invalid: [spec.policyTypes[0]: Unsupported value: \"A\": supported values: "
                        + "\"Ingress\", \"Egress\", spec.policyTypes[1]: Unsupported value: \"B\": supported values: \"Ingress\", \"Egress\"]");
    }

    @Test
    void syntaxErrorsAreReported() {
        assertThatThrownBy(() -> NetworkPolicyReader.read("{ not json", null)).isInstanceOf(PolicyValidationException.class);
        assertThatThrownBy(() -> NetworkPolicyReader.read("", null)).hasMessageContaining("no object in the input");
    }

    private static NetworkPolicy one(String yaml) throws PolicyValidationException {
        List<NetworkPolicy> all = NetworkPolicyReader.read(yaml, null);
        assertThat(all).hasSize(1);
        return all.getFirst();
    }

    private static List<String> errors(String text) {
        try {
            NetworkPolicyReader.read(text, null);
        } catch (PolicyValidationException e) {
            return e.errors().stream().map(FieldError::toString).toList();
        }
        throw new AssertionError("accepted: " + text);
    }
}
