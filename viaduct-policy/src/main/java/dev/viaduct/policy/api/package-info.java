/**
 * The Kubernetes API side of policy: reading NetworkPolicy YAML/JSON (one object, a {@code List}, or several
 * YAML documents) into the model, validated the way the API server validates it, with its field paths and
 * messages ({@code spec.ingress[0].ports[1].endPort: Invalid value: 79: must be greater than or equal to
 * `port`}); and the JSON codec of the store records (policies, pods, namespaces).
 *
 * <p>Data flow: text → Jackson tree → {@link dev.viaduct.policy.api.NetworkPolicyReader} collects every
 * {@link dev.viaduct.policy.api.FieldError} → either the model records or one
 * {@link dev.viaduct.policy.api.PolicyValidationException} with all of them; nothing is half-built.
 * Pure: no I/O beyond the strings given.
 */
package dev.viaduct.policy.api;
