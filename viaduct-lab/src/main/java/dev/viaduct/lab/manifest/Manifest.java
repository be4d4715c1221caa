package dev.viaduct.lab.manifest;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The objects of a Kubernetes manifest (a multi-document YAML file), read into fabric8's typed model. The
 * lab's copy of {@code deploy/kubernetes/viaduct.yaml} is built into this module's jar ({@link #bundled}), so
 * the lab runs the file the repository ships; the manifest's test reads both and checks they are the same.
 */
public final class Manifest {
    /** The node DaemonSet's name. */
    public static final String NODE_DAEMONSET = "viaduct-node";
    /** The namespace every namespaced object of the manifest lives in. */
    public static final String NAMESPACE = "viaduct-system";
    /** Where the build puts the copy of {@code deploy/kubernetes/viaduct.yaml} (a class path resource). */
    static final String RESOURCE = "/dev/viaduct/lab/manifest/viaduct.yaml";

    private final String source;
    private final List<HasMetadata> objects;

    private Manifest(String source, List<HasMetadata> objects) {
        this.source = source;
        this.objects = List.copyOf(objects);
    }

    /** Reads a manifest file. */
    public static Manifest load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in);
        }
    }

    /** The manifest this build ships ({@code deploy/kubernetes/viaduct.yaml}). */
    public static Manifest bundled() throws IOException {
        try (InputStream in = Manifest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("class path resource " + RESOURCE + " is missing (viaduct-lab's build copies "
                        + "deploy/kubernetes/viaduct.yaml there)");
            }
            return read("deploy/kubernetes/viaduct.yaml", in);
        }
    }

    private static Manifest read(String source, InputStream in) throws IOException {
        Object parsed;
        try {
            parsed = new KubernetesSerialization().unmarshal(in);
        } catch (RuntimeException e) {
            throw new IOException(source + ": not a Kubernetes manifest: " + e.getMessage(), e);
        }
        List<HasMetadata> out = new ArrayList<>();
        List<?> docs = parsed instanceof List<?> l ? l : List.of(parsed);
        for (Object o : docs) {
            if (!(o instanceof HasMetadata h)) {
                throw new IOException(source + ": a document is not a Kubernetes object: "
                        + (o instanceof KubernetesResource ? o.getClass().getSimpleName() : String.valueOf(o)));
            }
            out.add(h);
        }
        return new Manifest(source, out);
    }

    /** Where it was read from (for messages). */
    public String source() {
        return source;
    }

    public List<HasMetadata> objects() {
        return objects;
    }

    /** Every object of one kind, in file order. */
    public <T extends HasMetadata> List<T> all(Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    /** The object of {@code kind} named {@code name}; fails naming both when there is none. */
    public <T extends HasMetadata> T get(Class<T> kind, String name) {
        return all(kind).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(source + ": no " + kind.getSimpleName() + " named " + name));
    }

    /** The node DaemonSet, whose pod the lab runs on every node. */
    public DaemonSet nodeDaemonSet() {
        return get(DaemonSet.class, NODE_DAEMONSET);
    }
}
