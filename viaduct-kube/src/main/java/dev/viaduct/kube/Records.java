package dev.viaduct.kube;

import dev.viaduct.store.KubeNodeRecord;
import dev.viaduct.policy.api.NetworkPolicyReader;
import dev.viaduct.policy.api.PolicyValidationException;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Protocol;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the store holds for each Kubernetes object: pure functions from the API's objects to the store
 * records' bytes, through the encoders the agents decode with ({@link KubeNodeRecord},
 * {@link StoreRecords}). A NetworkPolicy goes through {@link NetworkPolicyReader} (the API server's own
 * validation) and is stored as {@link StoreRecords#encodePolicy} writes it; one that does not validate is
 * reported, never stored.
 */
final class Records {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Records() {
    }

    /** A NetworkPolicy's record, or why it has none. */
    sealed interface PolicyRecord {
        record Valid(byte[] json) implements PolicyRecord {
        }

        record Invalid(String why) implements PolicyRecord {
        }
    }

    static KubeNodeRecord node(Node n) {
        return new KubeNodeRecord(labels(n.getMetadata()), false);
    }

    static byte[] namespace(Namespace ns) {
        return bytes(StoreRecords.encodeNamespace(new StoreRecords.NamespaceRecord(labels(ns.getMetadata()))));
    }

    /**
     * A pod's record: labels, node and named container ports. Empty while the pod is not scheduled (the
     * record needs its node) and for host-network pods (they have no address of their own for a policy to
     * select: their traffic is the node's).
     */
    static Optional<byte[]> pod(Pod p) {
        if (p.getSpec() == null || p.getSpec().getNodeName() == null || p.getSpec().getNodeName().isEmpty()
                || Boolean.TRUE.equals(p.getSpec().getHostNetwork())) {
            return Optional.empty();
        }
        List<ContainerPort> ports = new ArrayList<>();
        for (Container c : p.getSpec().getContainers()) {
            for (io.fabric8.kubernetes.api.model.ContainerPort cp : c.getPorts()) {
                if (cp.getName() != null && !cp.getName().isEmpty() && cp.getContainerPort() != null) {
                    Protocol protocol = cp.getProtocol() == null ? Protocol.TCP : Protocol.parse(cp.getProtocol());
                    if (protocol != null) {
                        ports.add(new ContainerPort(cp.getName(), cp.getContainerPort(), protocol));
                    }
                }
            }
        }
        return Optional.of(bytes(StoreRecords.encodePod(new StoreRecords.PodRecord(labels(p.getMetadata()),
                p.getSpec().getNodeName(), ports))));
    }

    static PolicyRecord policy(NetworkPolicy p) {
        try {
            var model = NetworkPolicyReader.readOne(JSON.readTree(SERIALIZATION.asJson(p)), p.getMetadata().getNamespace());
            return new PolicyRecord.Valid(bytes(StoreRecords.encodePolicy(model)));
        } catch (PolicyValidationException e) {
            return new PolicyRecord.Invalid(e.getMessage());
        } catch (JacksonException e) {
            return new PolicyRecord.Invalid("not JSON: " + e.getOriginalMessage());
        }
    }

    private static Map<String, String> labels(ObjectMeta m) {
        return m.getLabels() == null ? Map.of() : m.getLabels();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
