package dev.viaduct.policy.model;

/** A named container port of a pod: what a NetworkPolicyPort naming {@code name} resolves to. */
public record ContainerPort(String name, int port, Protocol protocol) {
}
