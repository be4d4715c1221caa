/**
 * The lab: a whole Viaduct cluster inside network namespaces on one machine. {@link dev.viaduct.lab.Lab}
 * builds the segments (a bridge per rack in a "switch" namespace), one namespace per node with its
 * {@code eth0} on a segment, an etcd member, one agent process per node, and pods — created by exec'ing the
 * installed CNI plugin exactly as a container runtime does ({@link dev.viaduct.lab.CniRuntime}). Everything
 * it creates is recorded in a state file before it is created, so {@code down} (or the shutdown hook of an
 * interrupted {@code up}) removes all of it.
 *
 * <p>{@code Lab} is the facade over one class per part: {@code LabTopology} (namespaces, segments, links),
 * {@code LabDaemons} (etcd, BIRD, agents), {@code LabPods} (CNI and pods), {@code LabProbes} (pings, routes,
 * status) and {@code LabTeardown} (down and the sweeps of abandoned labs); names, addresses and configuration
 * text are computed by pure classes ({@code LabSpec}, {@code LabRacks}, {@code LabBgp}); route lines are netlink's {@code Route.text}.
 */
package dev.viaduct.lab;
