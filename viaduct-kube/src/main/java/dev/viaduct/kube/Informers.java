package dev.viaduct.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The four informers (list, then watch from the list's resourceVersion; a watch answered with 410 Gone, or
 * failing otherwise, is followed by a fresh list — fabric8's {@code Reflector}). They hold the API's
 * objects in their caches, which {@link StoreMirror} reads; their handlers only pass on which object
 * changed ({@link Signal.Changed}) and that a list completed ({@link Signal.Listed}: the cache is then the
 * API's complete state, so the store may be diffed against it).
 *
 * <p>Concurrency: fabric8 runs each informer's handler on its own serial executor; the handlers touch
 * nothing but {@code signals} (a thread-safe queue) and {@link #errors}, a concurrent map. The caches are
 * fabric8's thread-safe stores.
 */
final class Informers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Informers.class.getName());

    /** What an informer tells the mirror. */
    sealed interface Signal {
        record Changed(Kind kind, String key) implements Signal {
        }

        record Listed(Kind kind) implements Signal {
        }
    }

    /** Makes the informers for one leadership term, their signals going to {@code signals}. */
    @FunctionalInterface
    interface Factory {
        Informers create(Consumer<Signal> signals, KubeMetrics metrics);
    }

    private final Map<Kind, SharedIndexInformer<? extends HasMetadata>> informers = new EnumMap<>(Kind.class);
    private final Map<Kind, String> errors = new ConcurrentHashMap<>();

    Informers(KubernetesClient client, Consumer<Signal> signals, KubeMetrics metrics) {
        informers.put(Kind.NODES, client.nodes().runnableInformer(0));
        informers.put(Kind.NAMESPACES, client.namespaces().runnableInformer(0));
        informers.put(Kind.PODS, client.pods().inAnyNamespace().runnableInformer(0));
        informers.put(Kind.POLICIES, client.network().v1().networkPolicies().inAnyNamespace().runnableInformer(0));
        informers.forEach((kind, informer) -> {
            informer.addEventHandler(new Handler(kind, signals, metrics));
            // retry every failure, the first list's too (fabric8 gives up on those by default), with the
            // informer's exponential backoff; readiness reports the failure meanwhile
            informer.exceptionHandler((started, t) -> {
                String why = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
                if (errors.put(kind, why) == null) {
                    LOG.log(Level.WARNING, "kubernetes API: {0} list/watch failed, retrying with backoff: {1}", kind.apiKind(), why);
                }
                metrics.apiError(kind);
                return true;
            });
        });
    }

    void start() {
        informers.values().forEach(SharedIndexInformer::start);
    }

    /** The object with informer key {@code key} ({@code name} or {@code namespace/name}) as cached. */
    Optional<HasMetadata> get(Kind kind, String key) {
        return Optional.ofNullable(informers.get(kind).getStore().getByKey(key));
    }

    /** Every cached object of {@code kind}. */
    List<HasMetadata> list(Kind kind) {
        return new ArrayList<>(informers.get(kind).getStore().list());
    }

    /** Informer keys of every cached object of {@code kind}. */
    List<String> keys(Kind kind) {
        return informers.get(kind).getStore().listKeys();
    }

    /** True once {@code kind} was listed and while its watch runs: the cache is the API's state. */
    boolean current(Kind kind) {
        SharedIndexInformer<?> i = informers.get(kind);
        return i.hasSynced() && i.isWatching();
    }

    /** Why the caches are not the API's state now; empty when they are. */
    String notReady() {
        List<String> why = new ArrayList<>();
        for (Kind k : Kind.ALL) {
            if (!current(k)) {
                String e = errors.get(k);
                why.add(k.apiKind() + "s " + (informers.get(k).hasSynced() ? "not watched" : "not listed yet")
                        + (e == null ? "" : " (kubernetes API unreachable: " + e + "; retrying with backoff)"));
            }
        }
        return String.join("; ", why);
    }

    static String key(HasMetadata o) {
        return Cache.metaNamespaceKeyFunc(o);
    }

    @Override
    public void close() {
        informers.values().forEach(SharedIndexInformer::stop);
    }

    private final class Handler implements ResourceEventHandler<HasMetadata> {
        private final Kind kind;
        private final Consumer<Signal> signals;
        private final KubeMetrics metrics;

        Handler(Kind kind, Consumer<Signal> signals, KubeMetrics metrics) {
            this.kind = kind;
            this.signals = signals;
            this.metrics = metrics;
        }

        @Override
        public void onBeforeList(String lastSyncResourceVersion) {
            if (lastSyncResourceVersion != null) {
                LOG.log(Level.INFO, "kubernetes API: listing {0}s again (watch expired or broke at resourceVersion {1})",
                        kind.apiKind(), lastSyncResourceVersion);
            }
        }

        @Override
        public void onList(String resourceVersion, boolean remainedEmpty) {
            errors.remove(kind);
            metrics.listed(kind);
            signals.accept(new Signal.Listed(kind));
        }

        @Override
        public void onAdd(HasMetadata obj) {
            signals.accept(new Signal.Changed(kind, key(obj)));
        }

        @Override
        public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
            signals.accept(new Signal.Changed(kind, key(newObj)));
        }

        @Override
        public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
            signals.accept(new Signal.Changed(kind, key(obj)));
        }
    }
}
