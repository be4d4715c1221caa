package dev.viaduct.cni.spec;

import dev.viaduct.sys.net.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the ADD result (CNI spec "Success" result type) in the version the runtime asked for, merged onto
 * {@code prevResult} when Viaduct is not first in a chain.
 */
public final class CniResults {
    /** The pod's IPv4 next hop: answered by proxy ARP on the host veth (Calico's 169.254.1.1 convention). */
    static final String GATEWAY_V4 = "169.254.1.1";
    /** The pod's IPv6 next hop: the host veth's link-local address derived from its fixed MAC. */
    static final String GATEWAY_V6 = "fe80::ecee:eeff:feee:eeee";

    private CniResults() {
    }

    public static ObjectNode addResult(CniRequest req, PodInterfaces ifs, List<InetAddress> addresses) {
        CniVersion v = req.config().version();
        ObjectNode prev = req.config().prevResult().orElse(null);
        ObjectNode r = CniRequestParser.JSON.createObjectNode();
        r.put("cniVersion", v.text());
        ArrayNode interfaces = r.putArray("interfaces");
        ArrayNode ips = r.putArray("ips");
        ArrayNode routes = r.putArray("routes");
        if (prev != null) {
            copyArray(prev.get("interfaces"), interfaces);
            copyArray(prev.get("ips"), ips);
            copyArray(prev.get("routes"), routes);
        }
        ObjectNode host = interfaces.addObject();
        host.put("name", ifs.hostVeth());
        host.put("mac", ifs.hostMac());
        if (v == CniVersion.V1_1_0) {
            host.put("mtu", ifs.mtu());
        }
        int podIndex = interfaces.size();
        ObjectNode pod = interfaces.addObject();
        pod.put("name", ifs.podIfname());
        pod.put("mac", ifs.podMac());
        pod.put("sandbox", req.netns().orElse(""));
        if (v == CniVersion.V1_1_0) {
            pod.put("mtu", ifs.mtu());
        }
        boolean any4 = false;
        boolean any6 = false;
        for (InetAddress a : addresses) {
            boolean v4 = a instanceof Inet4Address;
            ObjectNode ip = ips.addObject();
            if (v.ipsCarryVersion()) {
                ip.put("version", v4 ? "4" : "6");
            }
            ip.put("address", IpAddresses.format(a) + (v4 ? "/32" : "/128"));
            ip.put("gateway", v4 ? GATEWAY_V4 : GATEWAY_V6);
            ip.put("interface", podIndex);
            any4 |= v4;
            any6 |= !v4;
        }
        if (any4) {
            ObjectNode d = routes.addObject();
            d.put("dst", "0.0.0.0/0");
            d.put("gw", GATEWAY_V4);
        }
        if (any6) {
            ObjectNode d = routes.addObject();
            d.put("dst", "::/0");
            d.put("gw", GATEWAY_V6);
        }
        JsonNode dns = prev == null ? null : prev.get("dns");
        r.set("dns", dns != null && dns.isObject() ? dns.deepCopy() : CniRequestParser.JSON.createObjectNode());
        return r;
    }

    private static void copyArray(JsonNode from, ArrayNode to) {
        if (from != null && from.isArray()) {
            for (JsonNode n : from) {
                to.add(n.deepCopy());
            }
        }
    }

    public static String error(CniVersion version, CniException e) {
        ObjectNode o = CniRequestParser.JSON.createObjectNode();
        o.put("cniVersion", version.text());
        o.put("code", e.code().code());
        o.put("msg", e.getMessage());
        if (!e.details().isEmpty()) {
            o.put("details", e.details());
        }
        return o.toString();
    }
}
