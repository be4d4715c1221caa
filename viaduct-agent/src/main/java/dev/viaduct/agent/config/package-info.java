/**
 * The agent's configuration file (YAML or JSON): {@link dev.viaduct.agent.config.AgentConfig} and its
 * loader, which names the offending field in every error ({@code cni.mtu: must be 0 or 576..65535}).
 */
package dev.viaduct.agent.config;
