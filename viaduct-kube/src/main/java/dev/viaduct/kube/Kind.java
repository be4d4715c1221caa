package dev.viaduct.kube;

import dev.viaduct.store.Keys;
import java.util.List;
import java.util.function.Function;

/**
 * One kind of Kubernetes object mirrored into one store directory. An object's store key is the directory
 * followed by its informer key ({@code name}, or {@code namespace/name} for namespaced kinds), which is
 * exactly {@link Keys}' layout ({@code PREFIX/pods/NS/POD}).
 */
enum Kind {
    NODES("Node", Keys::kubeNodes),
    NAMESPACES("Namespace", Keys::namespaces),
    PODS("Pod", Keys::pods),
    POLICIES("NetworkPolicy", Keys::policies);

    static final List<Kind> ALL = List.of(values());

    private final String apiKind;
    private final Function<Keys, String> directory;

    Kind(String apiKind, Function<Keys, String> directory) {
        this.apiKind = apiKind;
        this.directory = directory;
    }

    /** The API's name of the kind, for logs and metrics. */
    String apiKind() {
        return apiKind;
    }

    String directory(Keys keys) {
        return directory.apply(keys);
    }

    String key(Keys keys, String informerKey) {
        return directory(keys) + informerKey;
    }
}
