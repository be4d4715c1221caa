package dev.viaduct.agent.pod;

import dev.viaduct.sys.net.IpPrefix;
import java.util.List;

/**
 * Everything the dataplane needs to wire one pod interface.
 *
 * @param handle     the IPAM handle (network.containerID.ifname)
 * @param hostVeth   host-side veth name, {@link HostVethNames#of(String)}
 * @param netnsPath  the pod's network namespace (CNI_NETNS)
 * @param ifname     pod-side interface name (CNI_IFNAME)
 * @param addresses  host prefixes (/32, /128) assigned to the pod
 * @param mtu        MTU for both veth ends
 */
public record PodAttachment(String handle, String hostVeth, String netnsPath, String ifname, List<IpPrefix> addresses,
        int mtu) {
    public PodAttachment {
        addresses = List.copyOf(addresses);
    }
}
