/**
 * What every long-running Viaduct process (the agent, the standalone BGP speaker, kube-controllers) serves to
 * be operated: {@link dev.viaduct.ops.OpsHttp} ({@code /healthz}, {@code /readyz}, {@code /status},
 * {@code /metrics}), {@link dev.viaduct.ops.Liveness} (the loops' progress behind {@code /healthz}) and
 * {@link dev.viaduct.ops.StandardMetrics} (JVM, process and build metrics).
 */
package dev.viaduct.ops;
