package dev.viaduct.kube;

import dev.viaduct.ipam.Ipam;
import dev.viaduct.ops.Liveness;
import dev.viaduct.ops.OpsHttp;
import dev.viaduct.ops.StandardMetrics;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.etcd.EtcdStores;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code viaduct kube-controllers} process: the Kubernetes client (the kubeconfig given, else in-cluster
 * or {@code ~/.kube/config} as fabric8 finds them), the store, IPAM, {@link KubeControllers}, and
 * {@code /healthz} {@code /readyz} {@code /status} {@code /metrics}. Wired here, once; the CLI only parses
 * arguments.
 *
 * <p>Concurrency: {@link #start} and {@link #close} run on the caller's and the shutdown hook's threads;
 * everything long-running has its own thread (see {@link KubeControllers}).
 */
public final class KubeControllersProcess implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KubeControllersProcess.class.getName());

    private final KubeControllersConfig config;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private OpsHttp http;

    public KubeControllersProcess(KubeControllersConfig config) {
        this.config = config;
    }

    public KubeControllersProcess start() throws IOException {
        Config kube = config.kubeconfig().isPresent()
                ? Config.fromKubeconfig(null, Files.readString(config.kubeconfig().get()), config.kubeconfig().get().toString())
                : Config.autoConfigure(null);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(kube).build();
        closing.add(client);
        Datastore store = EtcdStores.connect(config.datastore());
        closing.add(store);
        PrometheusRegistry registry = new PrometheusRegistry();
        StandardMetrics.register(registry);
        KubeControllers kc = new KubeControllers(client, store, config.datastore().keys(), new Ipam(store, config.datastore().keys()),
                config.options(), registry, InstantSource.system());
        closing.add(kc);
        kc.start();
        Liveness liveness = new Liveness();
        // the leader's mirror thread goes round at least every second; a store call that never returns stops it
        liveness.register("kube-mirror", config::livenessDeadline, () -> kc.leading() ? OptionalLong.of(kc.heartbeatNanos()) : OptionalLong.empty());
        if (config.httpHost().isPresent()) {
            http = new OpsHttp(config.httpHost().get(), config.httpPort(), registry, () -> liveness.failures(System.nanoTime()), kc::notReady,
                    () -> status(kc));
            closing.add(http);
        }
        LOG.log(Level.INFO, "kube-controllers started identity={0} lease={1}/{2} api={3} store={4} http={5}", config.options().identity(),
                config.options().leaseNamespace(), config.options().leaseName(), kube.getMasterUrl(), config.datastore().endpoints(),
                http == null ? "off" : config.httpHost().get() + ":" + http.port());
        return this;
    }

    /** The HTTP port actually bound (0 when off). */
    public int httpPort() {
        return http == null ? 0 : http.port();
    }

    private String status(KubeControllers kc) {
        ObjectNode o = JsonMapper.builder().build().createObjectNode();
        o.put("identity", config.options().identity());
        o.put("leader", kc.leader());
        o.put("leading", kc.leading());
        o.put("notReady", kc.notReady());
        return o.toString();
    }

    /** Blocks until {@link #close}. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        for (AutoCloseable c : closing.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing {0}: {1}", c.getClass().getSimpleName(), e.getMessage());
            }
        }
        closing.clear();
        stopped.countDown();
    }
}
