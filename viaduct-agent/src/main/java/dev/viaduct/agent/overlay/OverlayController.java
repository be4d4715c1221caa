package dev.viaduct.agent.overlay;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.node.Uplink;
import dev.viaduct.agent.overlay.OverlayKernel.OverlayException;
import dev.viaduct.agent.overlay.TunnelAddresses.TunnelAddressException;
import dev.viaduct.agent.reconcile.ReconcileLoop;
import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.sys.net.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps this node's tunnel devices, tunnel addresses, published VTEP and VXLAN neighbour/FDB entries equal to
 * what the pools ask for (Calico's VXLAN and IPIP managers in one desired-state loop).
 *
 * <ul>
 *   <li>Some IPv4 pool has {@code vxlanMode} CrossSubnet or Always → {@code vxlan.viaduct} exists: VNI
 *       {@value #VNI}, UDP port 4789 (RFC 7348 §5), no learning, local = the node address, MTU = uplink − 50,
 *       a stable MAC derived from the node name, and one /32 from the pool (IPAM handle
 *       {@code vxlan-tunnel-addr-<node>}); the address and MAC are published in the node record (the VTEP),
 *       and for every peer the routes reach through VXLAN the device has a permanent neighbour entry
 *       ({@code vtep → mac}) and FDB entry ({@code mac → peer node address}). Stale entries are removed;
 *       entries that are not permanent are the kernel's and are left alone.
 *   <li>Otherwise the VTEP is withdrawn from the node record first (peers stop sending), then the device is
 *       deleted (taking its entries and routes with it) and the address released.
 *   <li>IPIP likewise with {@code tunl0} (the ipip module's catch-all fallback device, adopted if present), MTU
 *       uplink − 20 and handle {@code ipip-tunnel-addr-<node>}. A kernel without ipip is reported, never hidden:
 *       peers that need IPIP are then reported as unroutable by the route source.
 * </ul>
 *
 * <p>Concurrency (STYLE.md §5): the {@code set*} methods only change memory and wake the loop; a
 * {@link ReconcileLoop} on a platform thread (it blocks in netlink calls and IPAM round trips) applies the difference, on every change, on
 * kernel events concerning our devices, on a periodic resync and, after a failure, after a short retry delay.
 * State is guarded by one lock; listeners are called on the loop thread without it held. One class (~620 lines):
 * the pass's order (VTEP withdrawn before the device goes, address released last) spans both tunnel kinds.
 */
public final class OverlayController implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.overlay");
    /** Calico's default VXLAN VNI; any value works as long as every node uses the same. */
    public static final int VNI = 4096;
    public static final int VXLAN_PORT = 4789;

    private final String node;
    private final OverlayKernel kernel;
    private final TunnelAddresses addresses;
    private final Consumer<Optional<NodeRecord.Vtep>> publisher;
    private final Consumer<LocalTunnels> tunnelsListener;
    private final int configuredMtu;

    private final ReentrantLock lock = new ReentrantLock();
    private final ReconcileLoop<PassInput> loop;
    // --- guarded by lock ---
    private List<PoolSettings> pools = List.of();
    private boolean poolsKnown;
    private Uplink uplink;
    private List<VxlanPeer> peers = List.of();
    private boolean peersKnown;
    private Optional<NodeRecord.Vtep> published;
    private LocalTunnels tunnels = LocalTunnels.NONE;
    private SortedMap<String, String> problems = new TreeMap<>();
    private List<VxlanEntry> programmedEntries = List.of();
    private Map<String, String> devices = new TreeMap<>();
    private boolean firstPassDone;
    // --- loop thread only ---
    private boolean vxlanAddressMayBeHeld = true;
    private boolean ipipAddressMayBeHeld = true;
    private AutoCloseable subscription;

    /** Counters exposed as metrics (monotonic). */
    public final AtomicLong passes = new AtomicLong();
    public final AtomicLong entryChanges = new AtomicLong();
    public final AtomicLong deviceChanges = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();

    /**
     * @param published     the VTEP the node record was registered with (see {@link #existingVtep})
     * @param publisher     puts a new VTEP (or none) into this node's record
     * @param tunnelsListener told whenever this node's tunnel readiness changes (the route source)
     * @param configuredMtu {@code cni.mtu}; 0 = derive the pod MTU from the uplink and the overlays in use
     */
    public OverlayController(String node, Uplink uplink, OverlayKernel kernel, TunnelAddresses addresses,
            Optional<NodeRecord.Vtep> published, Consumer<Optional<NodeRecord.Vtep>> publisher,
            Consumer<LocalTunnels> tunnelsListener, int configuredMtu, Duration resyncInterval) {
        this.node = node;
        this.uplink = Objects.requireNonNull(uplink, "uplink");
        this.kernel = kernel;
        this.addresses = addresses;
        this.published = published;
        this.publisher = publisher;
        this.tunnelsListener = tunnelsListener;
        this.configuredMtu = configuredMtu;
        this.loop = new ReconcileLoop<>(lock, new ReconcileLoop.Settings("overlay-controller", true, resyncInterval, Duration.ofSeconds(1)),
                () -> poolsKnown, resync -> new PassInput(this.pools, this.uplink, this.peers, this.peersKnown), in -> {
                    boolean failed;
                    try {
                        failed = pass(in.pools(), in.uplink(), in.peers(), in.peersSynced());
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "overlay pass failed: " + e, e);
                        failed = true;
                    }
                    if (failed) {
                        errors.incrementAndGet();
                    }
                    return !failed;
                });
    }

    /** What one pass works from, copied under the lock. */
    private record PassInput(List<PoolSettings> pools, Uplink uplink, List<VxlanPeer> peers, boolean peersSynced) {
    }

    /**
     * The VTEP an already running {@code vxlan.viaduct} (left by a previous run of the agent) stands for, so a
     * restarted agent registers with it and peers never see it vanish.
     */
    public static Optional<NodeRecord.Vtep> existingVtep(OverlayKernel kernel, String node) {
        try {
            Optional<TunnelDevice> d = kernel.device(TunnelKind.VXLAN.device());
            if (d.isEmpty() || !d.get().kind().equals("vxlan") || !vtepMac(node).equals(d.get().mac())) {
                return Optional.empty();
            }
            return d.get().addresses().stream().filter(c -> c.isIpv4() && c.isHost()).findFirst()
                    .map(c -> new NodeRecord.Vtep(c.addressText(), d.get().mac().toString()));
        } catch (OverlayException e) {
            return Optional.empty();
        }
    }

    /**
     * The VXLAN device MAC of {@code node}: derived from its name (locally administered, unicast), so it survives
     * agent restarts and device re-creation without a change peers would have to follow.
     */
    public static HardwareAddress vtepMac(String node) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(("viaduct-vxlan:" + node).getBytes(StandardCharsets.UTF_8));
            byte[] mac = new byte[6];
            System.arraycopy(h, 0, mac, 0, 6);
            mac[0] = (byte) ((mac[0] & 0xfe) | 0x02); // IEEE 802: bit 0 = multicast (off), bit 1 = locally administered
            return HardwareAddress.of(mac);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is required of every JDK", e);
        }
    }

    /** Starts the kernel event subscription and the loop thread. */
    public void start() throws OverlayException {
        subscription = kernel.subscribe(loop::kick);
        loop.kick(); // the first pass runs as soon as the pools are known
        loop.start();
    }

    /** The pools changed (their overlay settings are what this controller acts on). */
    public void setPools(List<PoolSettings> p) {
        lock.lock();
        try {
            pools = List.copyOf(p);
            poolsKnown = true;
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /** The uplink's addresses or MTU changed. */
    public void setUplink(Uplink u) {
        lock.lock();
        try {
            uplink = u;
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /** The VXLAN endpoints the routes use now (from the route source's plan). */
    public void setVxlanPeers(List<VxlanPeer> p) {
        lock.lock();
        try {
            if (peersKnown && p.equals(peers)) {
                return;
            }
            peers = List.copyOf(p);
            peersKnown = true;
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /** The tunnels this node's pools use (for the pod MTU). */
    public Set<TunnelKind> tunnelsInUse() {
        lock.lock();
        try {
            return inUse(pools);
        } finally {
            lock.unlock();
        }
    }

    private static Set<TunnelKind> inUse(List<PoolSettings> pools) {
        Set<TunnelKind> s = EnumSet.noneOf(TunnelKind.class);
        pools.forEach(p -> p.tunnel().ifPresent(s::add));
        return s;
    }

    /** The MTU new pods get: {@code cni.mtu}, or the uplink's minus the largest overhead of the tunnels in use. */
    public int podMtu() {
        lock.lock();
        try {
            return OverlayMtu.podMtu(configuredMtu, uplink.mtu(), inUse(pools), underlay(uplink).map(a -> !(a instanceof Inet4Address))
                    .orElse(false));
        } finally {
            lock.unlock();
        }
    }

    public LocalTunnels localTunnels() {
        lock.lock();
        try {
            return tunnels;
        } finally {
            lock.unlock();
        }
    }

    /** Problems of the last pass (device creation refused, IPAM unreachable, kernel without ipip...). */
    public SortedMap<String, String> problems() {
        lock.lock();
        try {
            return new TreeMap<>(problems);
        } finally {
            lock.unlock();
        }
    }

    /** True once the first pass after start ran (whatever its outcome). */
    public boolean synced() {
        lock.lock();
        try {
            return firstPassDone;
        } finally {
            lock.unlock();
        }
    }

    /** Adds this controller's view to the agent's /status JSON. */
    public void writeStatus(ObjectNode o) {
        lock.lock();
        try {
            var pl = o.putArray("pools");
            pools.forEach(p -> pl.add(p.describe()));
            o.put("podMtu", OverlayMtu.podMtu(configuredMtu, uplink.mtu(), inUse(pools),
                    underlay(uplink).map(a -> !(a instanceof Inet4Address)).orElse(false)));
            var d = o.putObject("devices");
            devices.forEach(d::put);
            o.put("vtep", published.map(v -> v.address() + " " + v.mac()).orElse(""));
            var peersNode = o.putObject("vxlanPeers");
            peers.forEach(p -> peersNode.put(p.node(), p.vtep().getHostAddress() + " lladdr " + p.mac() + " dst "
                    + p.underlay().getHostAddress()));
            var e = o.putArray("vxlanEntries");
            programmedEntries.forEach(x -> e.add(x.toString()));
            var pr = o.putObject("problems");
            problems.forEach(pr::put);
        } finally {
            lock.unlock();
        }
    }

    public int vxlanPeerCount() {
        lock.lock();
        try {
            return peers.size();
        } finally {
            lock.unlock();
        }
    }

    /** The node address tunnels use as their outer source: the first IPv4 uplink address, else the first IPv6. */
    static Optional<InetAddress> underlay(Uplink u) {
        return u.addresses().stream().filter(IpPrefix::isIpv4).findFirst().or(() -> u.addresses().stream().findFirst())
                .map(IpPrefix::address);
    }

    /** One diff-and-apply; returns whether anything failed. Runs on the loop thread only. */
    private boolean pass(List<PoolSettings> pools, Uplink u, List<VxlanPeer> want, boolean peersSynced) {
        SortedMap<String, String> newProblems = new TreeMap<>();
        Map<String, String> devs = new TreeMap<>();
        List<IpPrefix> vxlanPools = pools.stream().filter(x -> x.tunnel().equals(Optional.of(TunnelKind.VXLAN))).map(PoolSettings::cidr).toList();
        List<IpPrefix> ipipPools = pools.stream().filter(x -> x.tunnel().equals(Optional.of(TunnelKind.IPIP))).map(PoolSettings::cidr).toList();
        for (PoolSettings x : pools) {
            if (!x.cidr().isIpv4() && x.tunnel().isEmpty() && x.ipipMode() != dev.viaduct.ipam.EncapMode.NEVER) {
                newProblems.put("pool " + x.cidr(), "IPIP carries IPv4 only; this IPv6 pool is routed natively (use vxlanMode)");
            }
        }
        Optional<InetAddress> underlay = underlay(u);

        boolean vxlanReady = false;
        List<VxlanEntry> entries = List.of();
        if (!vxlanPools.isEmpty()) {
            try {
                InetAddress local = underlay.orElseThrow(() -> new OverlayException("the uplink has no address to send VXLAN from"));
                boolean v6 = !(local instanceof Inet4Address);
                int mtu = OverlayMtu.deviceMtu(TunnelKind.VXLAN, u.mtu(), v6);
                HardwareAddress mac = vtepMac(node);
                ensureVxlanDevice(local, mac, mtu);
                // IPv4 pools need a VTEP address from a pool; IPv6 pools reach the device's link-local address,
                // which every peer derives from the published MAC (EncapPolicy)
                List<IpPrefix> v4Pools = vxlanPools.stream().filter(IpPrefix::isIpv4).toList();
                InetAddress vtep = dev.viaduct.sys.net.IpAddresses.linkLocal(mac.bytes());
                if (!v4Pools.isEmpty()) {
                    vtep = addresses.ensure(TunnelKind.VXLAN.addressHandle(node), node, v4Pools);
                    vxlanAddressMayBeHeld = true;
                    ensureOnlyAddress(TunnelKind.VXLAN.device(), IpPrefix.host(vtep), pools);
                } else {
                    for (IpPrefix a : kernel.device(TunnelKind.VXLAN.device()).map(TunnelDevice::addresses).orElse(List.of())) {
                        kernel.deleteAddress(TunnelKind.VXLAN.device(), a);
                    }
                    releaseVxlanAddress();
                }
                publish(Optional.of(new NodeRecord.Vtep(dev.viaduct.sys.net.IpAddresses.format(vtep), mac.toString())));
                vxlanReady = true;
                devs.put(TunnelKind.VXLAN.device(), "vxlan id " + VNI + " local " + local.getHostAddress() + " dstport " + VXLAN_PORT
                        + " nolearning mtu " + mtu + " address " + mac + " vtep " + IpPrefix.host(vtep));
                if (peersSynced) {
                    entries = reconcileEntries(want, newProblems);
                } else {
                    entries = kernel.entries(TunnelKind.VXLAN.device());
                }
            } catch (OverlayException | TunnelAddressException e) {
                newProblems.put("vxlan", e.getMessage());
                LOG.log(System.Logger.Level.WARNING, "vxlan not ready: {0}", e.getMessage());
            }
        } else {
            try {
                // withdraw first: peers stop encapsulating to us before the device goes
                publish(Optional.empty());
                if (kernel.device(TunnelKind.VXLAN.device()).isPresent()) {
                    kernel.deleteDevice(TunnelKind.VXLAN.device());
                    deviceChanges.incrementAndGet();
                    LOG.log(System.Logger.Level.INFO, "vxlan device removed device={0} (no pool uses VXLAN)", TunnelKind.VXLAN.device());
                }
                releaseVxlanAddress();
            } catch (OverlayException | TunnelAddressException e) {
                newProblems.put("vxlan", "removing VXLAN: " + e.getMessage());
            }
        }

        boolean ipipReady = false;
        boolean ipipUnsupported = false;
        String ipipProblem = "";
        if (!ipipPools.isEmpty()) {
            try {
                InetAddress local = underlay.filter(a -> a instanceof Inet4Address).orElseThrow(() ->
                        new OverlayException("IPIP needs an IPv4 node address on the uplink"));
                int mtu = OverlayMtu.deviceMtu(TunnelKind.IPIP, u.mtu(), false);
                ensureIpipDevice(mtu);
                InetAddress addr = addresses.ensure(TunnelKind.IPIP.addressHandle(node), node, ipipPools);
                ipipAddressMayBeHeld = true;
                ensureOnlyAddress(TunnelKind.IPIP.device(), IpPrefix.host(addr), pools);
                ipipReady = true;
                devs.put(TunnelKind.IPIP.device(), "ipip (catch-all) mtu " + mtu + " address " + addr.getHostAddress() + "/32, outer source "
                        + local.getHostAddress());
            } catch (OverlayException e) {
                ipipUnsupported = e.unsupported();
                ipipProblem = e.unsupported() ? "this kernel has no ipip support (" + e.getMessage() + ")" : e.getMessage();
                newProblems.put("ipip", ipipProblem);
                LOG.log(System.Logger.Level.WARNING, "ipip not ready: {0}", ipipProblem);
            } catch (TunnelAddressException e) {
                ipipProblem = e.getMessage();
                newProblems.put("ipip", ipipProblem);
            }
        } else {
            try {
                removeIpip(pools);
                if (ipipAddressMayBeHeld) {
                    if (addresses.current(TunnelKind.IPIP.addressHandle(node)).isPresent()) {
                        addresses.release(TunnelKind.IPIP.addressHandle(node));
                    }
                    ipipAddressMayBeHeld = false;
                }
            } catch (OverlayException | TunnelAddressException e) {
                newProblems.put("ipip", "removing IPIP: " + e.getMessage());
            }
        }

        LocalTunnels t = new LocalTunnels(vxlanReady, ipipReady, ipipProblem);
        boolean tunnelsChanged;
        lock.lock();
        try {
            tunnelsChanged = !t.equals(tunnels) || !firstPassDone;
            tunnels = t;
            for (var e : newProblems.entrySet()) {
                if (!e.getValue().equals(problems.get(e.getKey()))) {
                    LOG.log(System.Logger.Level.WARNING, "overlay problem {0}: {1}", e.getKey(), e.getValue());
                }
            }
            problems = new TreeMap<>(newProblems);
            programmedEntries = entries;
            devices = devs;
            firstPassDone = true;
        } finally {
            lock.unlock();
        }
        if (tunnelsChanged) {
            tunnelsListener.accept(t);
        }
        passes.incrementAndGet();
        // a kernel without ipip and an IPv6 pool with an overlay are standing conditions, not failures worth
        // retrying every second (the periodic resync looks again)
        if (ipipUnsupported) {
            newProblems.remove("ipip");
        }
        newProblems.keySet().removeIf(k -> k.startsWith("pool "));
        return !newProblems.isEmpty();
    }

    private void publish(Optional<NodeRecord.Vtep> v) throws OverlayException {
        Optional<NodeRecord.Vtep> before;
        lock.lock();
        try {
            before = published;
        } finally {
            lock.unlock();
        }
        if (before.equals(v)) {
            return;
        }
        try {
            publisher.accept(v);
        } catch (RuntimeException e) {
            // the store is unreachable: retried (peers keep what they had meanwhile)
            throw new OverlayException("publishing the VTEP in the node record: " + e.getMessage(), e, false);
        }
        lock.lock();
        try {
            published = v;
        } finally {
            lock.unlock();
        }
        LOG.log(System.Logger.Level.INFO, "vtep published node={0} vtep={1}", node, v.map(x -> x.address() + " " + x.mac()).orElse("none"));
    }

    private void ensureVxlanDevice(InetAddress local, HardwareAddress mac, int mtu) throws OverlayException {
        String name = TunnelKind.VXLAN.device();
        Optional<TunnelDevice> d = kernel.device(name);
        if (d.isPresent()) {
            TunnelDevice x = d.get();
            boolean same = x.kind().equals("vxlan") && x.vni() == VNI && x.port() == VXLAN_PORT && !x.learning()
                    && local.equals(x.local()) && mac.equals(x.mac());
            if (!same) {
                // VNI, port, local and learning cannot be changed on a live VXLAN device (drivers/net/vxlan:
                // vxlan_changelink refuses most of them): re-create it; the route reconciler sees the link change
                LOG.log(System.Logger.Level.INFO, "vxlan device differs, re-creating device={0} have={1}", name, x);
                kernel.deleteDevice(name);
                deviceChanges.incrementAndGet();
                d = Optional.empty();
            }
        }
        if (d.isEmpty()) {
            kernel.createVxlan(name, VNI, local, VXLAN_PORT, mac, mtu);
            deviceChanges.incrementAndGet();
            LOG.log(System.Logger.Level.INFO, "vxlan device created device={0} vni={1} local={2} mtu={3} mac={4}", name,
                    Integer.toString(VNI), local.getHostAddress(), Integer.toString(mtu), mac);
        } else if (d.get().mtu() != mtu || !d.get().up()) {
            kernel.configure(name, mtu, true);
            deviceChanges.incrementAndGet();
        }
    }

    private void ensureIpipDevice(int mtu) throws OverlayException {
        String name = TunnelKind.IPIP.device();
        Optional<TunnelDevice> d = kernel.device(name);
        if (d.isPresent() && !d.get().kind().equals("ipip")) {
            throw new OverlayException("a " + d.get().kind() + " device is called " + name + "; IPIP needs that name for its "
                    + "catch-all device");
        }
        if (d.isEmpty() || d.get().mtu() != mtu || !d.get().up()) {
            kernel.createIpip(name, mtu);
            deviceChanges.incrementAndGet();
            LOG.log(System.Logger.Level.INFO, "ipip device ready device={0} mtu={1}", name, Integer.toString(mtu));
        }
    }

    private void removeIpip(List<PoolSettings> pools) throws OverlayException {
        String name = TunnelKind.IPIP.device();
        Optional<TunnelDevice> d = kernel.device(name);
        if (d.isEmpty() || !d.get().kind().equals("ipip")) {
            return;
        }
        try {
            kernel.deleteDevice(name);
            deviceChanges.incrementAndGet();
        } catch (OverlayException e) {
            // the ipip module's fallback tunl0 cannot be deleted (net/ipv4/ip_tunnel.c: ip_tunnel_dellink ignores
            // the fallback device): take our address off it and set it down instead
            for (IpPrefix a : d.get().addresses()) {
                if (PoolSettings.containing(pools, a.address()).isPresent() || a.isHost()) {
                    kernel.deleteAddress(name, a);
                }
            }
            if (d.get().up()) {
                kernel.configure(name, d.get().mtu(), false);
                deviceChanges.incrementAndGet();
            }
        }
    }

    /** Makes {@code want} the device's only pod-range address (other addresses of ours go; foreign ones stay). */
    /** Gives the VXLAN device's IPv4 VTEP address back to IPAM (no IPv4 pool uses VXLAN any more). */
    private void releaseVxlanAddress() throws TunnelAddressException {
        if (vxlanAddressMayBeHeld) {
            if (addresses.current(TunnelKind.VXLAN.addressHandle(node)).isPresent()) {
                addresses.release(TunnelKind.VXLAN.addressHandle(node));
                LOG.log(System.Logger.Level.INFO, "vxlan tunnel address released handle={0}", TunnelKind.VXLAN.addressHandle(node));
            }
            vxlanAddressMayBeHeld = false;
        }
    }

    private void ensureOnlyAddress(String device, IpPrefix want, List<PoolSettings> pools) throws OverlayException {
        TunnelDevice d = kernel.device(device).orElseThrow(() -> new OverlayException(device + " vanished"));
        if (!d.addresses().contains(want)) {
            kernel.addAddress(device, want);
        }
        for (IpPrefix a : d.addresses()) {
            if (!a.equals(want) && (PoolSettings.containing(pools, a.address()).isPresent() || device.equals(TunnelKind.VXLAN.device()))) {
                kernel.deleteAddress(device, a);
            }
        }
    }

    private List<VxlanEntry> reconcileEntries(List<VxlanPeer> want, SortedMap<String, String> newProblems) throws OverlayException {
        String dev = TunnelKind.VXLAN.device();
        Set<VxlanEntry> desired = new LinkedHashSet<>();
        for (VxlanPeer p : want) {
            desired.add(new VxlanEntry.Arp(p.vtep(), p.mac()));
            desired.add(new VxlanEntry.Fdb(p.mac(), p.underlay()));
        }
        List<VxlanEntry> have = kernel.entries(dev);
        Set<VxlanEntry> haveSet = new HashSet<>(have);
        List<VxlanEntry> replace = new ArrayList<>();
        for (VxlanEntry e : desired) {
            if (!haveSet.contains(e)) {
                replace.add(e);
            }
        }
        Set<Object> replacedKeys = new HashSet<>();
        replace.forEach(e -> replacedKeys.add(key(e)));
        List<VxlanEntry> delete = new ArrayList<>();
        for (VxlanEntry e : have) {
            // an entry whose key is being replaced is overwritten in place (no gap); others are stale
            if (!desired.contains(e) && !replacedKeys.contains(key(e))) {
                delete.add(e);
            }
        }
        if (replace.isEmpty() && delete.isEmpty()) {
            return have;
        }
        List<String> failed = kernel.applyEntries(dev, replace, delete);
        entryChanges.addAndGet(replace.size() + delete.size() - failed.size());
        LOG.log(System.Logger.Level.INFO, "vxlan entries reconciled added={0} removed={1} failed={2}", replace, delete, failed);
        if (!failed.isEmpty()) {
            newProblems.put("vxlan entries", String.join("; ", failed));
        }
        return kernel.entries(dev);
    }

    private static Object key(VxlanEntry e) {
        return switch (e) {
            case VxlanEntry.Arp a -> List.of("arp", a.vtep());
            case VxlanEntry.Fdb f -> List.of("fdb", f.mac());
        };
    }

    /**
     * Removes every overlay device and releases the tunnel addresses (node decommissioning; never on a plain
     * stop, which must leave traffic flowing). Call after {@link #close}.
     */
    public void removeAll() throws OverlayException, TunnelAddressException {
        publish(Optional.empty());
        kernel.deleteDevice(TunnelKind.VXLAN.device());
        removeIpip(List.of());
        addresses.release(TunnelKind.VXLAN.addressHandle(node));
        addresses.release(TunnelKind.IPIP.addressHandle(node));
    }

    /** Since when this controller's loop has owed progress ({@link ReconcileLoop#stalledSince}); for liveness. */
    public java.util.OptionalLong stalledSince() {
        return loop.stalledSince();
    }

    @Override
    public void close() {
        loop.close();
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing overlay events: {0}", e.toString());
            }
        }
    }
}
