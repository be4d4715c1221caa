package dev.viaduct.agent.bgp;

/**
 * Cluster-wide BGP settings ({@code <prefix>/bgp/config}); every field optional with Calico's defaults.
 *
 * @param nodeToNodeMesh every node peers with every other node (default true); off for route reflectors or ToRs
 * @param asn            the cluster's default AS number (default 64512)
 * @param port           TCP port the agents listen and connect on (default 179)
 * @param holdTime       proposed hold time in seconds (default 90)
 * @param gracefulRestartSeconds restart time announced to peers (RFC 4724; default 120, 0 = no GR)
 * @param bfd            run BFD with node-to-node peers by default (default true)
 */
public record BgpSettings(Boolean nodeToNodeMesh, Long asn, Integer port, Integer holdTime, Integer gracefulRestartSeconds,
        Boolean bfd) {
    public static final BgpSettings DEFAULTS = new BgpSettings(true, 64512L, 179, 90, 120, true);

    public boolean mesh() {
        return nodeToNodeMesh == null || nodeToNodeMesh;
    }

    public long asnOrDefault() {
        return asn == null ? 64512 : asn;
    }

    public int portOrDefault() {
        return port == null ? 179 : port;
    }

    public int holdTimeOrDefault() {
        return holdTime == null ? 90 : holdTime;
    }

    public int gracefulRestartOrDefault() {
        return gracefulRestartSeconds == null ? 120 : gracefulRestartSeconds;
    }

    public boolean bfdOrDefault() {
        return bfd == null || bfd;
    }
}
