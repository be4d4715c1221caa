package dev.viaduct.agent.cni;

import dev.viaduct.cni.spec.CniCommand;
import dev.viaduct.cni.spec.CniErrorCode;
import dev.viaduct.cni.spec.CniException;
import dev.viaduct.cni.spec.CniRequest;
import dev.viaduct.cni.spec.CniRequestParser;
import dev.viaduct.cni.spec.CniResults;
import dev.viaduct.cni.spec.CniVersion;
import dev.viaduct.cni.spec.PodInterfaces;
import dev.viaduct.agent.pod.DataplaneException;
import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.agent.pod.LocalEndpoints;
import dev.viaduct.agent.pod.PodAttachment;
import dev.viaduct.agent.pod.PodDataplane;
import dev.viaduct.agent.pod.PodRoutes;
import dev.viaduct.cni.ShimProtocol;
import dev.viaduct.sys.log.Log;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs one CNI call: parse, then ADD / DEL / CHECK / STATUS / GC against IPAM and the pod dataplane.
 *
 * <p>Concurrency: called from many virtual threads at once (runtimes ADD 100 pods in parallel). Calls for
 * the same attachment (handle) are serialised by a per-handle lock; different pods proceed in parallel.
 * Everything else it touches is thread-safe.
 *
 * <p>An ADD returns once the pod's host route is programmed ({@link PodRoutes}): the route reconciler is its
 * one writer, fed by {@link LocalEndpoints}.
 *
 * <p>Failure rule: an ADD that fails leaves nothing behind — the veth is removed, the endpoint is dropped
 * from {@link LocalEndpoints} (so the reconciler drops its route) and the addresses are released.
 */
public final class CniHandler {
    private static final System.Logger LOG = System.getLogger("viaduct.cni");

    private final String nodeName;
    private final AddressAllocator ipam;
    private final PodDataplane dataplane;
    private final PodRoutes podRoutes;
    private final LocalEndpoints endpoints;
    private final IntSupplier defaultMtu;
    private final BooleanSupplier agentReady;
    /** Striped per-handle locks: a fixed array, so no lock object is ever removed while another thread waits on it. */
    private final ReentrantLock[] stripes = new ReentrantLock[256];

    public CniHandler(String nodeName, AddressAllocator ipam, PodDataplane dataplane, PodRoutes podRoutes,
            LocalEndpoints endpoints, IntSupplier defaultMtu, BooleanSupplier agentReady) {
        this.nodeName = nodeName;
        this.ipam = ipam;
        this.dataplane = dataplane;
        this.podRoutes = podRoutes;
        this.endpoints = endpoints;
        this.defaultMtu = defaultMtu;
        this.agentReady = agentReady;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** The outcome of one call, for the reply and for metrics. */
    public record Outcome(CniCommand command, int errorCode, ShimProtocol.Reply reply) {
        public boolean ok() {
            return errorCode == 0;
        }
    }

    public Outcome handle(Map<String, String> env, byte[] stdin) {
        CniCommand cmd = CniRequestParser.command(env).orElse(null);
        CniVersion replyVersion = CniVersion.V1_1_0;
        try {
            if (cmd == CniCommand.VERSION) {
                return new Outcome(cmd, 0, new ShimProtocol.Reply(0, versionJson(), ""));
            }
            CniRequest req = CniRequestParser.parse(env, stdin);
            replyVersion = req.config().version();
            String out = switch (req.command()) {
                case ADD -> add(req);
                case DEL -> del(req);
                case CHECK -> check(req);
                case STATUS -> status();
                case GC -> gc(req);
                case VERSION -> versionJson();
            };
            return new Outcome(req.command(), 0, new ShimProtocol.Reply(0, out, ""));
        } catch (CniException e) {
            Log.warn(LOG, "cni error", "command", cmd, "code", e.code().code(), "message", e.getMessage(),
                    "details", e.details(), "container", env.getOrDefault("CNI_CONTAINERID", ""));
            return new Outcome(cmd, e.code().code(),
                    new ShimProtocol.Reply(1, CniResults.error(replyVersion, e) + "\n", ""));
        } catch (RuntimeException e) {
            Log.error(LOG, "cni internal error", e, "command", cmd);
            var ce = new CniException(CniErrorCode.IO_FAILURE, "internal error in the Viaduct agent", e.toString());
            return new Outcome(cmd, ce.code().code(), new ShimProtocol.Reply(1, CniResults.error(replyVersion, ce) + "\n", ""));
        }
    }

    private static String versionJson() {
        var o = CniRequestParser.JSON.createObjectNode();
        o.put("cniVersion", CniVersion.V1_1_0.text());
        var a = o.putArray("supportedVersions");
        CniVersion.supported().forEach(a::add);
        return o + "\n";
    }

    private String add(CniRequest req) throws CniException {
        String handle = req.handle();
        ReentrantLock lock = lockFor(handle);
        try {
            long start = System.nanoTime();
            String hostVeth = HostVethNames.of(handle);
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("node", nodeName);
            attrs.put("containerID", req.containerId());
            attrs.put("ifname", req.ifname());
            attrs.put("hostVeth", hostVeth);
            req.podNamespace().ifPresent(v -> attrs.put("podNamespace", v));
            req.podName().ifPresent(v -> attrs.put("pod", v));
            List<InetAddress> addrs = ipam.assign(handle, req.config().ipv4(), req.config().ipv6(),
                    req.config().staticIps(), attrs);
            long ipamDone = System.nanoTime();
            List<IpPrefix> cidrs = addrs.stream().map(IpPrefix::host).toList();
            int mtu = req.config().mtu().orElseGet(defaultMtu::getAsInt);
            PodInterfaces ifs;
            LocalEndpoints.Endpoint endpoint = new LocalEndpoints.Endpoint(handle, hostVeth, cidrs, req.podNamespace().orElse(""),
                    req.podName().orElse(""));
            endpoints.put(endpoint);
            try {
                ifs = dataplane.attach(new PodAttachment(handle, hostVeth, req.netns().orElseThrow(), req.ifname(), cidrs, mtu));
            } catch (DataplaneException de) {
                endpoints.remove(handle);
                releaseQuietly(handle);
                throw new CniException(de.namespaceMissing() ? CniErrorCode.CONTAINER_UNKNOWN : CniErrorCode.DATAPLANE_FAILURE,
                        "cannot wire pod interface " + req.ifname() + " (host side " + hostVeth + ")", de.getMessage());
            } catch (RuntimeException e) {
                endpoints.remove(handle);
                releaseQuietly(handle);
                throw e;
            }
            long attached = System.nanoTime();
            try {
                podRoutes.awaitProgrammed(endpoint);
            } catch (DataplaneException de) {
                endpoints.remove(handle);
                detachQuietly(hostVeth);
                releaseQuietly(handle);
                throw new CniException(CniErrorCode.DATAPLANE_FAILURE, "host route to pod interface " + req.ifname()
                        + " (host side " + hostVeth + ") not programmed", de.getMessage());
            }
            long routed = System.nanoTime();
            ObjectNode result = CniResults.addResult(req, ifs, addrs);
            long end = System.nanoTime();
            Log.info(LOG, "cni add", "handle", handle, "pod", req.podNamespace().orElse("-") + "/" + req.podName().orElse("-"),
                    "ips", addrs, "veth", hostVeth, "ms", (end - start) / 1e6, "ipamMs", (ipamDone - start) / 1e6,
                    "dataplaneMs", (end - ipamDone) / 1e6, "vethMs", (attached - ipamDone) / 1e6, "routeMs", (routed - attached) / 1e6);
            return result + "\n";
        } finally {
            unlock(handle, lock);
        }
    }

    private void detachQuietly(String hostVeth) {
        try {
            dataplane.detach(hostVeth);
        } catch (DataplaneException e) {
            Log.warn(LOG, "cni add rollback could not remove host veth", "veth", hostVeth, "error", e.getMessage());
        }
    }

    private void releaseQuietly(String handle) {
        try {
            ipam.release(handle);
        } catch (CniException e) {
            // The ADD already failed; GC reclaims the address once the handle is seen dead.
            Log.warn(LOG, "cni add rollback could not release handle", "handle", handle, "error", e.getMessage());
        }
    }

    private String del(CniRequest req) throws CniException {
        String handle = req.handle();
        ReentrantLock lock = lockFor(handle);
        try {
            long start = System.nanoTime();
            String hostVeth = HostVethNames.of(handle);
            try {
                dataplane.detach(hostVeth);
            } catch (DataplaneException e) {
                throw new CniException(CniErrorCode.DATAPLANE_FAILURE, "cannot remove host veth " + hostVeth, e.getMessage());
            }
            long detached = System.nanoTime();
            endpoints.remove(handle);
            List<InetAddress> released = ipam.release(handle);
            long end = System.nanoTime();
            Log.info(LOG, "cni del", "handle", handle, "pod", req.podNamespace().orElse("-") + "/" + req.podName().orElse("-"),
                    "released", released, "ms", (end - start) / 1e6, "dataplaneMs", (detached - start) / 1e6,
                    "ipamMs", (end - detached) / 1e6);
            return "";
        } finally {
            unlock(handle, lock);
        }
    }

    private String check(CniRequest req) throws CniException {
        String handle = req.handle();
        ObjectNode prev = req.config().prevResult().orElseThrow();
        List<IpPrefix> expected = ourAddresses(prev, req);
        if (expected.isEmpty()) {
            throw new CniException(CniErrorCode.CHECK_FAILED,
                    "prevResult lists no address for interface " + req.ifname() + " in " + req.netns().orElse("?"));
        }
        List<InetAddress> held = ipam.addressesOf(handle);
        List<String> problems = new ArrayList<>();
        for (IpPrefix c : expected) {
            if (!held.contains(c.address())) {
                problems.add("IPAM does not hold " + c.addressText() + " for " + handle);
            }
        }
        int mtu = req.config().mtu().orElseGet(defaultMtu::getAsInt);
        try {
            problems.addAll(dataplane.verify(new PodAttachment(handle, HostVethNames.of(handle), req.netns().orElseThrow(),
                    req.ifname(), expected, mtu)));
        } catch (DataplaneException e) {
            throw new CniException(e.namespaceMissing() ? CniErrorCode.CONTAINER_UNKNOWN : CniErrorCode.CHECK_FAILED,
                    "cannot inspect the pod's networking", e.getMessage());
        }
        if (!endpoints.snapshot().stream().anyMatch(e -> e.handle().equals(handle))) {
            problems.add("the agent does not route " + handle + " (not a local endpoint)");
        }
        if (!problems.isEmpty()) {
            throw new CniException(CniErrorCode.CHECK_FAILED, "pod networking differs from what ADD set up",
                    String.join("; ", problems));
        }
        return "";
    }

    /** Addresses in prevResult that belong to this request's interface in this sandbox. */
    private static List<IpPrefix> ourAddresses(ObjectNode prev, CniRequest req) {
        JsonNode ifs = prev.get("interfaces");
        Set<Integer> ours = new HashSet<>();
        if (ifs != null && ifs.isArray()) {
            for (int i = 0; i < ifs.size(); i++) {
                JsonNode n = ifs.get(i);
                if (req.ifname().equals(n.path("name").asString("")) && req.netns().orElse("").equals(n.path("sandbox").asString(""))) {
                    ours.add(i);
                }
            }
        }
        List<IpPrefix> out = new ArrayList<>();
        JsonNode ips = prev.get("ips");
        if (ips != null && ips.isArray()) {
            for (JsonNode ip : ips) {
                if (ip.has("interface") && ours.contains(ip.get("interface").asInt(-1))) {
                    try {
                        out.add(IpPrefix.parse(ip.path("address").asString("")));
                    } catch (IllegalArgumentException ignored) {
                        // not an address we could have assigned
                    }
                }
            }
        }
        return out;
    }

    private String status() throws CniException {
        if (!agentReady.getAsBoolean()) {
            throw new CniException(CniErrorCode.PLUGIN_NOT_AVAILABLE, "the Viaduct agent is starting (not synced with the datastore yet)");
        }
        String why = ipam.unavailableReason();
        if (!why.isEmpty()) {
            throw new CniException(CniErrorCode.PLUGIN_NOT_AVAILABLE, "the Viaduct agent cannot assign pod addresses", why);
        }
        return "";
    }

    private String gc(CniRequest req) throws CniException {
        String network = req.config().name();
        Set<String> valid = new HashSet<>();
        for (var a : req.config().validAttachments()) {
            valid.add(network + "." + a.containerId() + "." + a.ifname());
        }
        int removed = 0;
        for (String handle : ipam.handlesOfNetwork(network)) {
            if (valid.contains(handle)) {
                continue;
            }
            ReentrantLock l = stripe(handle);
            if (!l.tryLock()) {
                continue; // an ADD or DEL for it (or a neighbour in its stripe) is in flight: try next GC
            }
            try {
                dataplane.detach(HostVethNames.of(handle));
                endpoints.remove(handle);
                ipam.release(handle);
                removed++;
            } catch (DataplaneException e) {
                Log.warn(LOG, "cni gc cannot remove veth", "handle", handle, "error", e.getMessage());
            } finally {
                unlock(handle, l);
            }
        }
        Log.info(LOG, "cni gc", "network", network, "valid", valid.size(), "released", removed);
        return "";
    }

    private ReentrantLock stripe(String handle) {
        return stripes[Math.floorMod(handle.hashCode(), stripes.length)];
    }

    private ReentrantLock lockFor(String handle) {
        ReentrantLock l = stripe(handle);
        l.lock();
        return l;
    }

    private static void unlock(String handle, ReentrantLock l) {
        l.unlock();
    }
}
