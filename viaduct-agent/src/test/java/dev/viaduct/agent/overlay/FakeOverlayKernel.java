package dev.viaduct.agent.overlay;

import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** An in-memory kernel for the overlay controller: devices and their permanent entries; ipip can be missing. */
final class FakeOverlayKernel implements OverlayKernel {
    final Map<String, TunnelDevice> devices = new TreeMap<>();
    final Map<String, Set<VxlanEntry>> entries = new TreeMap<>();
    final List<String> log = new ArrayList<>();
    boolean ipipSupported = true;
    boolean fallbackTunl0 = false;
    Runnable changed = () -> {
    };

    @Override
    public synchronized Optional<TunnelDevice> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }

    @Override
    public synchronized void createVxlan(String name, int vni, InetAddress local, int port, HardwareAddress mac, int mtu)
            throws OverlayException {
        if (devices.containsKey(name)) {
            throw new OverlayException("link add " + name + ": File exists");
        }
        devices.put(name, new TunnelDevice(name, "vxlan", mtu, true, mac, List.of(), vni, local, port, false));
        entries.put(name, new LinkedHashSet<>());
        log.add("create vxlan " + name);
    }

    @Override
    public synchronized void createIpip(String name, int mtu) throws OverlayException {
        if (!ipipSupported) {
            throw new OverlayException("link add " + name + " type ipip: Operation not supported (EOPNOTSUPP)", null, true);
        }
        TunnelDevice old = devices.get(name);
        devices.put(name, new TunnelDevice(name, "ipip", mtu, true, null, old == null ? List.of() : old.addresses(), 0, null, 0,
                false));
        log.add("create ipip " + name);
    }

    @Override
    public synchronized void deleteDevice(String name) throws OverlayException {
        if (fallbackTunl0 && name.equals("tunl0") && devices.containsKey(name)) {
            throw new OverlayException("link del tunl0: Operation not supported");
        }
        if (devices.remove(name) != null) {
            entries.remove(name);
            log.add("delete " + name);
        }
    }

    @Override
    public synchronized void configure(String name, int mtu, boolean up) {
        TunnelDevice d = devices.get(name);
        devices.put(name, new TunnelDevice(name, d.kind(), mtu, up, d.mac(), d.addresses(), d.vni(), d.local(), d.port(), d.learning()));
        log.add("configure " + name + " mtu " + mtu + (up ? " up" : " down"));
    }

    @Override
    public synchronized void addAddress(String name, IpPrefix address) {
        TunnelDevice d = devices.get(name);
        List<IpPrefix> a = new ArrayList<>(d.addresses());
        a.add(address);
        devices.put(name, new TunnelDevice(name, d.kind(), d.mtu(), d.up(), d.mac(), a, d.vni(), d.local(), d.port(), d.learning()));
        log.add("address add " + address + " dev " + name);
    }

    @Override
    public synchronized void deleteAddress(String name, IpPrefix address) {
        TunnelDevice d = devices.get(name);
        List<IpPrefix> a = new ArrayList<>(d.addresses());
        a.remove(address);
        devices.put(name, new TunnelDevice(name, d.kind(), d.mtu(), d.up(), d.mac(), a, d.vni(), d.local(), d.port(), d.learning()));
        log.add("address del " + address + " dev " + name);
    }

    @Override
    public synchronized List<VxlanEntry> entries(String name) throws OverlayException {
        if (!devices.containsKey(name)) {
            throw new OverlayException("device " + name + " does not exist");
        }
        return List.copyOf(entries.get(name));
    }

    @Override
    public synchronized List<String> applyEntries(String name, List<VxlanEntry> replace, List<VxlanEntry> delete) {
        Set<VxlanEntry> s = entries.get(name);
        delete.forEach(s::remove);
        for (VxlanEntry e : replace) {
            // replace semantics: one ARP entry per IP, one FDB entry per MAC
            s.removeIf(x -> switch (x) {
                case VxlanEntry.Arp a -> e instanceof VxlanEntry.Arp b && a.vtep().equals(b.vtep());
                case VxlanEntry.Fdb f -> e instanceof VxlanEntry.Fdb g && f.mac().equals(g.mac());
            });
            s.add(e);
        }
        log.add("entries +" + replace.size() + " -" + delete.size());
        return List.of();
    }

    @Override
    public AutoCloseable subscribe(Runnable c) {
        this.changed = c;
        return () -> {
        };
    }

    synchronized Set<VxlanEntry> entriesOf(String name) {
        return entries.containsKey(name) ? Set.copyOf(entries.get(name)) : Set.of();
    }
}
