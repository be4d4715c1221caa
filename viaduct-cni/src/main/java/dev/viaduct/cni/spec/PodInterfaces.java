package dev.viaduct.cni.spec;

/** What {@link PodDataplane#attach} created, as reported in the CNI result. */
public record PodInterfaces(String hostVeth, String hostMac, String podIfname, String podMac, int mtu) {
}
