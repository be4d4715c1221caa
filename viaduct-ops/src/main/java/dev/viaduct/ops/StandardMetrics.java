package dev.viaduct.ops;

import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The metrics every Viaduct process exports whatever it does: the client library's JVM and process
 * collectors ({@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*}, {@code process_cpu_seconds_total},
 * {@code process_resident_memory_bytes}, {@code process_open_fds}, ...) and
 * {@code viaduct_build_info{version,java}} = 1. Used by the agent's registry and by any other Viaduct process
 * that serves {@code /metrics} (the standalone BGP speaker).
 */
public final class StandardMetrics {
    private StandardMetrics() {
    }

    /**
     * Registers the JVM, process and build-info collectors on {@code registry}. Registering on the same registry
     * again is a no-op for the JVM collectors and an error for the build info, so call it once per registry.
     */
    public static void register(PrometheusRegistry registry) {
        JvmMetrics.builder().register(registry);
        Info build = Info.builder().name("viaduct_build_info")
                .help("Viaduct build: version (from the build) and the Java runtime it runs on; always 1")
                .labelNames("version", "java").register(registry);
        build.setLabelValues(version(), Runtime.version().toString());
    }

    /** The project version the build wrote into {@code build.properties}, or {@code unknown} outside a build. */
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = StandardMetrics.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String v = p.getProperty("version", "unknown");
        return v.startsWith("${") ? "unknown" : v;
    }
}
