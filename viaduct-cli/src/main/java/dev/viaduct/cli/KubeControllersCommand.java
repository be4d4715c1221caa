package dev.viaduct.cli;

import dev.viaduct.kube.KubeControllersConfig;
import dev.viaduct.kube.KubeControllersProcess;
import dev.viaduct.ops.config.ConfigException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code viaduct kube-controllers [--config FILE] [--kubeconfig FILE] [--datastore-endpoints URL,...]}: mirrors
 * the Kubernetes API into the store while it holds the leader Lease, until SIGTERM/SIGINT. Options win over
 * {@code VIADUCT_*} variables, which win over the file. Only this command's {@code call} touches the
 * Kubernetes client, so {@code viaduct --version} and the other commands never load it.
 */
@Command(name = "kube-controllers", mixinStandardHelpOptions = true,
        description = "Mirror Kubernetes Nodes, Pods, Namespaces and NetworkPolicies into the store; release deleted nodes' and pods' addresses (leader-elected).")
final class KubeControllersCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration (YAML, or JSON when the name ends in .json); VIADUCT_* environment variables override it.")
    Path config;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Kubeconfig to reach the API with (default: the in-cluster service account, else ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--datastore-endpoints", paramLabel = "URL", split = ",", description = "etcd endpoints (http(s)://host:port,...).")
    List<String> endpoints;

    @Option(names = "--check-config", description = "Validate the configuration and exit.")
    boolean checkOnly;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        if (kubeconfig != null) {
            env.put("VIADUCT_KUBECONFIG", kubeconfig.toString());
        }
        if (endpoints != null) {
            env.put("VIADUCT_DATASTORE_ENDPOINTS", String.join(",", endpoints));
        }
        KubeControllersConfig cfg;
        try {
            cfg = KubeControllersConfig.load(Optional.ofNullable(config), env);
        } catch (ConfigException e) {
            System.err.println("viaduct kube-controllers: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        if (checkOnly) {
            System.out.println((config != null ? config : "environment") + ": ok (identity " + cfg.options().identity() + ", store "
                    + cfg.datastore().endpoints() + ")");
            return 0;
        }
        LogSetup.install(cfg.logFormat(), cfg.logLevel());
        KubeControllersProcess p = new KubeControllersProcess(cfg);
        Runtime.getRuntime().addShutdownHook(new Thread(p::close, "kube-controllers-shutdown"));
        try {
            p.start();
        } catch (Exception e) {
            p.close();
            System.err.println("viaduct kube-controllers: failed to start: " + e.getMessage());
            return 1;
        }
        p.awaitStop();
        return 0;
    }
}
