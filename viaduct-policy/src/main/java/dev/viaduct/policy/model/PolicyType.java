package dev.viaduct.policy.model;

/** networking/v1 PolicyType. */
public enum PolicyType {
    Ingress, Egress
}
