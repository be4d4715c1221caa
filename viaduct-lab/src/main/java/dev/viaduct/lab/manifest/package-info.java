/**
 * Viaduct's Kubernetes manifest ({@code deploy/kubernetes/viaduct.yaml}) as typed objects, and what the lab
 * needs to execute its node pod with podman. {@link dev.viaduct.lab.manifest.Manifest} reads the file with
 * fabric8's Kubernetes model (the same reader the manifest's own test uses);
 * {@link dev.viaduct.lab.manifest.PodmanRun} turns one container of the node pod into a {@code podman run}
 * command line for one lab node — a pure function of the pod spec and the node's {@link
 * dev.viaduct.lab.manifest.NodeHost}. No I/O besides reading the manifest.
 */
package dev.viaduct.lab.manifest;
