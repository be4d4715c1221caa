package dev.viaduct.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Assignment;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.store.KubeNodeRecord;
import dev.viaduct.ipam.Pool;
import dev.viaduct.policy.api.NetworkPolicyReader;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.LoopbackPorts;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kube-controllers against fabric8's mock API server (CRUD mode: objects, label selectors and watches
 * emulated in process; there is no kube-apiserver on this machine) and a real etcd. "Within 1 s" is the
 * acceptance figure for an API change to reach the store.
 */
@Tag("etcd")
class KubeControllersTest {
    static final Duration SECOND = Duration.ofSeconds(1);
    static final Duration START = Duration.ofSeconds(15);
    static final AtomicInteger N = new AtomicInteger();
    static EtcdCluster etcd;
    static EtcdDatastore store;

    final Keys keys = new Keys("/kubetest/" + ProcessHandle.current().pid() + "-" + N.incrementAndGet());
    final Ipam ipam = new Ipam(store, keys);
    final List<AutoCloseable> closing = new ArrayList<>();
    WatchGaps gaps;
    KubernetesMockServer server;
    KubernetesClient api;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdCluster.start(1);
        store = EtcdDatastore.connect(StoreOptions.of(etcd.endpoints()));
        warmUp();
    }

    /**
     * One object of each kind through a whole kube-controllers to the store, so that the 1 s figures measure
     * the steady state, not this JVM loading and compiling the client's and the mock server's code paths.
     */
    static void warmUp() throws Exception {
        KubeControllersTest t = new KubeControllersTest();
        t.startApi();
        try {
            t.started(new PrometheusRegistry());
            t.node("warm", Map.of());
            t.namespace("warm", Map.of());
            t.pod("warm", "warm", "warm", Map.of());
            t.policy("warm", "warm", "10.0.0.0/8");
            Poll.until("the warm-up objects in the store", START, () -> t.record(t.keys.policy("warm", "warm")).isPresent()
                    && t.record(t.keys.pod("warm", "warm")).isPresent());
        } finally {
            t.stop();
        }
    }

    @AfterAll
    static void stopEtcd() {
        if (store != null) {
            store.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void startApi() {
        gaps = new WatchGaps();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), gaps, false);
        server.init();
        api = server.createClient();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        api.close();
        server.destroy(); // a test may have destroyed it already: shutting down twice is harmless
    }

    KubeControllersOptions options(String identity) {
        return KubeControllersOptions.defaults(identity).withLeaderElection(Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofMillis(500))
                .withPodGc(Duration.ofSeconds(2), Duration.ofMillis(300));
    }

    KubeControllers controllers(KubernetesClient client, KubeControllersOptions o, PrometheusRegistry registry) {
        KubeControllers kc = new KubeControllers(client, store, keys, ipam, o, registry, InstantSource.system());
        closing.add(kc);
        return kc.start();
    }

    KubeControllers started(PrometheusRegistry registry) {
        KubeControllers kc = controllers(api, options("kc-" + N.get()), registry);
        Poll.until("kube-controllers leading and ready", START, () -> kc.leading() ? kc.notReady() : "standby", String::isEmpty);
        return kc;
    }

    Optional<String> record(String key) {
        return store.get(key).map(kv -> new String(kv.value(), StandardCharsets.UTF_8));
    }

    void eventually(String what, Duration within, String key, Optional<String> want) {
        Poll.until(what, within, () -> record(key), want::equals);
    }

    static double counter(PrometheusRegistry r, String name, String kind) {
        return r.scrape().stream().filter(s -> s.getMetadata().getPrometheusName().equals(name.replaceAll("_total$", "")))
                .map(CounterSnapshot.class::cast).flatMap(s -> s.getDataPoints().stream())
                .filter(d -> kind == null || kind.equals(d.getLabels().get("kind"))).mapToDouble(d -> d.getValue()).sum();
    }

    // ------------------------------------------------------------------ API objects

    void node(String name, Map<String, String> labels) {
        api.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build()).createOr(e -> e.update());
    }

    void namespace(String name, Map<String, String> labels) {
        api.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build())
                .createOr(e -> e.update());
    }

    void pod(String ns, String name, String node, Map<String, String> labels) {
        api.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("app").withImage("app")
                .withPorts(new ContainerPortBuilder().withName("http").withContainerPort(8080).build(),
                        new ContainerPortBuilder().withName("dns").withContainerPort(53).withProtocol("UDP").build(),
                        new ContainerPortBuilder().withContainerPort(9090).build())
                .endContainer().endSpec().build()).createOr(e -> e.update());
    }

    static String policyYaml(String ns, String name, String cidr) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: %s, namespace: %s}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  policyTypes: [Ingress]
                  ingress:
                  - from: [{ipBlock: {cidr: "%s"}}]
                    ports: [{port: http, protocol: TCP}]
                """.formatted(name, ns, cidr);
    }

    NetworkPolicy policy(String ns, String name, String cidr) {
        NetworkPolicy p = api.getKubernetesSerialization().unmarshal(policyYaml(ns, name, cidr), NetworkPolicy.class);
        return api.network().v1().networkPolicies().inNamespace(ns).resource(p).createOr(e -> e.update());
    }

    /** The record: the same policy as the reader reads it from YAML, encoded as agents decode it. */
    static String expectedPolicy(String ns, String name, String cidr) throws Exception {
        return StoreRecords.encodePolicy(NetworkPolicyReader.read(policyYaml(ns, name, cidr), null).getFirst());
    }

    static String kubeNode(Map<String, String> labels) {
        return new String(KubeNodeRecord.CODEC.encode(new KubeNodeRecord(labels, false)), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void nodeNamespacePodAndPolicyChangesReachTheStoreWithinOneSecondAndDeletesFollow() throws Exception {
        started(new PrometheusRegistry());

        node("n1", Map.of("zone", "a"));
        eventually("node n1's labels", SECOND, keys.kubeNode("n1"), Optional.of(kubeNode(Map.of("zone", "a"))));
        node("n1", Map.of("zone", "b", "rack", "r7"));
        eventually("node n1's new labels", SECOND, keys.kubeNode("n1"), Optional.of(kubeNode(Map.of("zone", "b", "rack", "r7"))));

        namespace("shop", Map.of("team", "blue"));
        eventually("namespace shop", SECOND, keys.namespace("shop"),
                Optional.of(StoreRecords.encodeNamespace(new StoreRecords.NamespaceRecord(Map.of("team", "blue")))));
        namespace("shop", Map.of("team", "red"));
        eventually("namespace shop's new labels", SECOND, keys.namespace("shop"),
                Optional.of(StoreRecords.encodeNamespace(new StoreRecords.NamespaceRecord(Map.of("team", "red")))));

        pod("shop", "web-1", "n1", Map.of("app", "web"));
        String podRecord = StoreRecords.encodePod(new StoreRecords.PodRecord(Map.of("app", "web"), "n1",
                List.of(new ContainerPort("http", 8080, Protocol.TCP), new ContainerPort("dns", 53, Protocol.UDP))));
        eventually("pod shop/web-1 with its named ports", SECOND, keys.pod("shop", "web-1"), Optional.of(podRecord));
        pod("shop", "web-1", "n1", Map.of("app", "web", "version", "2"));
        eventually("pod shop/web-1's new labels", SECOND, keys.pod("shop", "web-1"), Optional.of(StoreRecords.encodePod(
                new StoreRecords.PodRecord(Map.of("app", "web", "version", "2"), "n1",
                        List.of(new ContainerPort("http", 8080, Protocol.TCP), new ContainerPort("dns", 53, Protocol.UDP))))));

        policy("shop", "allow-lb", "10.1.0.0/16");
        eventually("policy shop/allow-lb", SECOND, keys.policy("shop", "allow-lb"), Optional.of(expectedPolicy("shop", "allow-lb", "10.1.0.0/16")));
        policy("shop", "allow-lb", "10.2.0.0/16");
        eventually("policy shop/allow-lb changed", SECOND, keys.policy("shop", "allow-lb"),
                Optional.of(expectedPolicy("shop", "allow-lb", "10.2.0.0/16")));
        assertThat(StoreRecords.decodePolicy(record(keys.policy("shop", "allow-lb")).orElseThrow(), "shop").name()).isEqualTo("allow-lb");

        api.network().v1().networkPolicies().inNamespace("shop").withName("allow-lb").delete();
        eventually("policy deleted", SECOND, keys.policy("shop", "allow-lb"), Optional.empty());
        api.pods().inNamespace("shop").withName("web-1").delete();
        eventually("pod deleted", SECOND, keys.pod("shop", "web-1"), Optional.empty());
        api.namespaces().withName("shop").delete();
        eventually("namespace deleted", SECOND, keys.namespace("shop"), Optional.empty());
        api.nodes().withName("n1").delete();
        eventually("node record of a node IPAM never knew deleted", SECOND, keys.kubeNode("n1"), Optional.empty());
    }

    @Test
    void anInvalidPolicyIsCountedAndNotWrittenAndUnscheduledOrHostNetworkPodsHaveNoRecord() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        started(registry);
        policy("default", "host-bits", "10.1.2.3/16"); // the API server's strict CIDR validation refuses host bits
        policy("default", "fine", "10.1.0.0/16");
        eventually("the valid policy", SECOND, keys.policy("default", "fine"), Optional.of(expectedPolicy("default", "fine", "10.1.0.0/16")));
        Poll.until("the invalid policy counted", SECOND, () -> counter(registry, "viaduct_kube_invalid_policies_total", null) == 1);
        assertThat(record(keys.policy("default", "host-bits"))).isEmpty();

        api.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("pending").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("c").endContainer().endSpec().build()).create();
        api.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("hostnet").endMetadata()
                .withNewSpec().withNodeName("n1").withHostNetwork(true).addNewContainer().withName("c").withImage("c").endContainer().endSpec()
                .build()).create();
        pod("default", "scheduled", "n1", Map.of());
        Poll.until("the scheduled pod's record", SECOND, () -> record(keys.pod("default", "scheduled")).isPresent());
        assertThat(store.list(keys.pods()).kvs()).extracting(KeyValue::key).containsExactly(keys.pod("default", "scheduled"));
    }

    @Test
    void atStartRecordsOfObjectsTheApiDoesNotHaveAreDeletedAndTheOthersWritten() {
        store.put(keys.pod("default", "ghost"), "{\"labels\":{},\"node\":\"n9\",\"ports\":[]}".getBytes(StandardCharsets.UTF_8));
        store.put(keys.namespace("gone"), "{\"labels\":{}}".getBytes(StandardCharsets.UTF_8));
        store.put(keys.policy("default", "old"), "{}".getBytes(StandardCharsets.UTF_8));
        store.put(keys.kubeNode("n9"), KubeNodeRecord.CODEC.encode(new KubeNodeRecord(Map.of(), false)));
        namespace("default", Map.of("k", "v"));
        pod("default", "real", "n1", Map.of());
        node("n1", Map.of());

        started(new PrometheusRegistry());

        assertThat(store.list(keys.pods()).kvs()).extracting(KeyValue::key).containsExactly(keys.pod("default", "real"));
        assertThat(store.list(keys.namespaces()).kvs()).extracting(KeyValue::key).containsExactly(keys.namespace("default"));
        assertThat(store.list(keys.policies()).kvs()).isEmpty();
        assertThat(store.list(keys.kubeNodes()).kvs()).extracting(KeyValue::key).containsExactly(keys.kubeNode("n1"));
    }

    @Test
    void aWatchThatExpiresIsFollowedByARelistThatConvergesTheStore() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        started(registry);
        pod("default", "p1", "n1", Map.of());
        pod("default", "p2", "n1", Map.of("v", "1"));
        Poll.until("p1 and p2 recorded", SECOND, () -> store.list(keys.pods()).kvs().size() == 2);
        double listsBefore = counter(registry, "viaduct_kube_lists_total", "Pod");

        gaps.open("/api/v1/pods");
        api.pods().inNamespace("default").withName("p1").delete();
        pod("default", "p2", "n1", Map.of("v", "2"));
        pod("default", "p3", "n1", Map.of());
        assertThat(record(keys.pod("default", "p1"))).as("the deletion fell into the gap").isPresent();

        assertThat(gaps.expire("/api/v1/pods")).as("pod watches told 410 Gone").isPositive();
        Poll.until("the relisted pods in the store", Duration.ofSeconds(10),
                () -> store.list(keys.pods()).kvs().stream().map(KeyValue::key).toList(),
                l -> l.equals(List.of(keys.pod("default", "p2"), keys.pod("default", "p3"))));
        assertThat(StoreRecords.decodePod(record(keys.pod("default", "p2")).orElseThrow()).labels()).containsEntry("v", "2");
        assertThat(counter(registry, "viaduct_kube_lists_total", "Pod")).isEqualTo(listsBefore + 1);
    }

    @Test
    void aDeletedNodesBlocksAndAddressesAreReclaimedAndThenItsRecordGoes() {
        ipam.createPool(Pool.of("10.60.0.0/24"));
        store.put(keys.node("n1"), "{}".getBytes(StandardCharsets.UTF_8));
        store.put(keys.node("n2"), "{}".getBytes(StandardCharsets.UTF_8));
        Assignment a1 = ipam.assign("net.a.eth0", "n1", true, false, Map.of());
        ipam.assign("net.b.eth0", "n2", true, false, Map.of());
        node("n1", Map.of());
        node("n2", Map.of());
        started(new PrometheusRegistry());

        api.nodes().withName("n1").delete();
        Poll.until("n1 marked deleted while its agent runs", SECOND, () -> record(keys.kubeNode("n1")).orElse(""), r -> r.contains("\"deleted\":true"));
        assertThat(ipam.handle("net.a.eth0")).as("its agent still runs: nothing released").isPresent();

        store.delete(keys.node("n1")); // its agent stops
        Poll.until("n1's addresses and blocks given back", Duration.ofSeconds(5),
                () -> ipam.handles().stream().map(Handle::id).toList(), l -> l.equals(List.of("net.b.eth0")));
        Poll.until("n1's record gone", Duration.ofSeconds(5), () -> record(keys.kubeNode("n1")).isEmpty());
        assertThat(ipam.blocks()).noneMatch(b -> b.affineNode().equals(Optional.of("n1")))
                .noneMatch(b -> b.allocation(a1.ipv4().orElseThrow()).isPresent());
        assertThat(record(keys.kubeNode("n2"))).isPresent();
    }

    @Test
    void podGcFreesALeakedAddressAfterTheGracePeriodButNeverALivePodsEvenWithItsAgentDown() {
        ipam.createPool(Pool.of("10.61.0.0/24"));
        node("n1", Map.of()); // its agent is down: no node record
        pod("default", "live", "n1", Map.of());
        pod("default", "doomed", "n1", Map.of());
        ipam.assign("net.live.eth0", "n1", true, false, Map.of("podNamespace", "default", "pod", "live"));
        ipam.assign("net.doomed.eth0", "n1", true, false, Map.of("podNamespace", "default", "pod", "doomed"));
        ipam.assign("net.leaked.eth0", "n1", true, false, Map.of("podNamespace", "default", "pod", "never-listed"));
        ipam.assign("tunnel.n1", "n1", true, false, Map.of("node", "n1"));
        started(new PrometheusRegistry());

        long deleted = System.nanoTime();
        api.pods().inNamespace("default").withName("doomed").delete();
        Poll.until("the leaked and the deleted pod's addresses released", Duration.ofSeconds(15),
                () -> ipam.handles().stream().map(Handle::id).sorted().toList(), l -> l.equals(List.of("net.live.eth0", "tunnel.n1")));
        assertThat(Duration.ofNanos(System.nanoTime() - deleted)).as("not before the grace period").isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(ipam.handle("net.live.eth0")).as("a pod the API lists keeps its address, its agent down or not").isPresent();
    }

    @Test
    void aSecondReplicaTakesOverWithinTheLeaseDuration() {
        KubeControllersOptions crashing = options("a").withReleaseOnClose(false);
        KubeControllers a = controllers(api, crashing, new PrometheusRegistry());
        Poll.until("a leads", START, a::leading);
        KubernetesClient api2 = server.createClient();
        closing.add(api2);
        KubeControllers b = controllers(api2, options("b"), new PrometheusRegistry());
        Poll.until("b sees a lead", START, () -> b.leader().equals("a"));
        assertThat(b.leading()).isFalse();
        assertThat(b.notReady()).as("a standby is ready").isEmpty();

        long gone = System.nanoTime();
        a.close(); // stops renewing without giving the Lease up, as a crashed leader would
        Poll.until("b leads", Duration.ofSeconds(10), b::leading);
        Duration takeover = Duration.ofNanos(System.nanoTime() - gone);
        assertThat(takeover).as("within the lease duration (plus one jittered retry)")
                .isLessThanOrEqualTo(crashing.leaseDuration().plus(crashing.retryPeriod().multipliedBy(2)));
        Poll.until("b ready", START, b::notReady, String::isEmpty);
        node("n5", Map.of("after", "failover"));
        eventually("b writes", SECOND, keys.kubeNode("n5"), Optional.of(kubeNode(Map.of("after", "failover"))));
    }

    @Test
    void anUnreachableApiIsRetriedReportedAndDeletesNothing() throws IOException {
        node("n1", Map.of());
        pod("default", "p", "n1", Map.of());
        KubeControllers kc = started(new PrometheusRegistry());
        Poll.until("p recorded", SECOND, () -> record(keys.pod("default", "p")).isPresent());
        List<KeyValue> before = store.list(keys.prefix() + "/").kvs();

        server.destroy(); // the API goes away under the leader
        Poll.until("readiness says why", Duration.ofSeconds(15), kc::notReady, r -> r.contains("kubernetes API unreachable"));
        assertThat(kc.leading()).as("it could not renew its Lease").isFalse();
        assertThat(store.list(keys.prefix() + "/").kvs()).extracting(KeyValue::key).containsExactlyElementsOf(before.stream().map(KeyValue::key).toList());

        int port = LoopbackPorts.unused(); // nothing listens there
        KubernetesClient nowhere = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port)
                .withRequestRetryBackoffLimit(0).build()).build();
        closing.add(nowhere);
        KubeControllers cold = controllers(nowhere, options("cold"), new PrometheusRegistry());
        Poll.until("a cold start says why", Duration.ofSeconds(15), cold::notReady, r -> r.contains("kubernetes API unreachable"));
        assertThat(cold.leading()).isFalse();
        assertThat(store.list(keys.prefix() + "/").kvs()).extracting(KeyValue::key).containsExactlyElementsOf(before.stream().map(KeyValue::key).toList());
    }

    static String get(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        }
    }

    static String unchecked(java.util.concurrent.Callable<String> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theProcessServesReadinessThatSaysWhyLivenessAndMetrics(@TempDir Path dir) throws Exception {
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "http://localhost:%d"}}]
                users: [{name: u, user: {}}]
                contexts: [{name: c, context: {cluster: mock, user: u}}]
                current-context: c
                """.formatted(server.getPort()));
        Path config = Files.writeString(dir.resolve("kube-controllers.yaml"), """
                podName: proc
                kubeconfig: %s
                datastore: {endpoints: [%s], prefix: %s}
                leaderElection: {leaseDuration: 5s, renewDeadline: 3s, retryPeriod: 500ms}
                http: {listen: "127.0.0.1:0"}
                """.formatted(kubeconfig, etcd.endpoints().getFirst(), keys.prefix()));
        KubeControllersProcess p = new KubeControllersProcess(KubeControllersConfig.load(Optional.of(config), Map.of())).start();
        closing.add(p);
        int port = p.httpPort();
        Poll.until("leading (/status)", START, () -> unchecked(() -> get(port, "/status")), r -> r.contains("\"leading\":true"));
        Poll.until("/readyz ready", START, () -> unchecked(() -> get(port, "/readyz")), r -> r.equals("200 ready\n"));
        assertThat(get(port, "/healthz")).isEqualTo("200 ok\n");
        assertThat(get(port, "/metrics")).contains("viaduct_kube_leader 1.0").contains("viaduct_kube_lists_total{kind=\"Pod\"} 1.0");
        assertThat(get(port, "/status")).contains("\"leader\":\"proc\"");
        node("n1", Map.of("a", "b"));
        eventually("the process writes", SECOND, keys.kubeNode("n1"), Optional.of(kubeNode(Map.of("a", "b"))));

        server.destroy();
        Poll.until("/readyz says why", START, () -> unchecked(() -> get(port, "/readyz")),
                r -> r.startsWith("503 not ready: kubernetes API unreachable"));
        assertThat(get(port, "/healthz")).isEqualTo("200 ok\n");
        assertThat(record(keys.kubeNode("n1"))).isPresent();
    }
}
