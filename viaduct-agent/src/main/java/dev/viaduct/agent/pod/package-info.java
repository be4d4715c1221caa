/**
 * The Calico-style pod dataplane: one veth per pod, no bridge. Host side {@code vdc} + 11 hex characters of
 * a hash of the attachment's handle, with proxy ARP and a {@code podIP dev vdc… scope link} route carrying
 * Viaduct's route protocol; pod side {@code eth0} with the pod's /32 (/128), {@code 169.254.1.1 dev eth0
 * scope link} and {@code default via 169.254.1.1}. {@link dev.viaduct.agent.pod.LocalEndpoints} is the set
 * of pods this node hosts; the route reconciler keeps their host routes.
 */
package dev.viaduct.agent.pod;
