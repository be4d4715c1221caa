/**
 * Operating the agent: structured log lines ({@link dev.viaduct.agent.ops.LogSetup}), Prometheus metrics
 * ({@link dev.viaduct.agent.ops.AgentMetrics}) and the HTTP endpoints {@code /healthz}, {@code /readyz},
 * {@code /status} and {@code /metrics} ({@link dev.viaduct.agent.ops.AgentHttp}).
 */
package dev.viaduct.agent.ops;
