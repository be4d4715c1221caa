package dev.viaduct.cli;

import dev.viaduct.ipam.EncapMode;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.Pool;
import dev.viaduct.lab.Lab;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.sys.net.IpPrefix;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code viaduct lab pool}: shows a lab pool's overlay and NAT settings, changes them at run time (the agents
 * watch the pools and converge without a restart), or creates another pool.
 */
@Command(name = "pool", mixinStandardHelpOptions = true,
        description = "Show or change a lab pool's vxlanMode, ipipMode and natOutgoing (agents follow at run time), or "
                + "create another pool.")
final class LabPoolCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    LabCommand.Name name = new LabCommand.Name();

    @Option(names = "--cidr", description = "The pool (default: the lab's pod pool).")
    String cidr;

    @Option(names = "--vxlan", description = "vxlanMode: Never, CrossSubnet or Always.")
    String vxlan;

    @Option(names = "--ipip", description = "ipipMode: Never, CrossSubnet or Always.")
    String ipip;

    @Option(names = "--nat", arity = "1", description = "natOutgoing: true or false.")
    Boolean nat;

    @Option(names = "--create", description = "Create the pool (with /26 blocks) instead of changing an existing one.")
    boolean create;

    @Override
    public Integer call() throws Exception {
        // the etcd client's own INFO chatter is noise here
        LogSetup.install("keyvalue", "warning");
        Lab lab = Lab.open(name.name, System.out);
        IpPrefix c;
        EncapMode vx;
        EncapMode ip;
        try {
            c = IpPrefix.parseNetwork(cidr != null ? cidr : lab.spec().podCidr());
            vx = vxlan == null ? null : EncapMode.parse("--vxlan", vxlan);
            ip = ipip == null ? null : EncapMode.parse("--ipip", ipip);
        } catch (IllegalArgumentException e) {
            System.err.println("viaduct lab pool: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        try (EtcdDatastore store = EtcdDatastore.connect(StoreOptions.of(List.of(lab.spec().etcdEndpoint())))) {
            Ipam ipam = new Ipam(store, Keys.defaults());
            Pool p;
            if (create) {
                p = Pool.of(c.toString());
            } else {
                var found = ipam.pool(c);
                if (found.isEmpty()) {
                    System.err.println("viaduct lab pool: no pool " + c + " (pools: " + ipam.pools().stream().map(Pool::cidr).toList()
                            + "; use --create)");
                    return 1;
                }
                p = found.get();
            }
            if (vx != null || ip != null || nat != null || create) {
                EncapMode newVx = vx != null ? vx : p.vxlanMode();
                EncapMode newIp = ip != null ? ip : p.ipipMode();
                // switching from one encapsulation to the other in one step: the one not named goes to Never
                if (vx != null && vx != EncapMode.NEVER && ip == null) {
                    newIp = EncapMode.NEVER;
                }
                if (ip != null && ip != EncapMode.NEVER && vx == null) {
                    newVx = EncapMode.NEVER;
                }
                try {
                    p = p.withOverlay(newVx, newIp, nat != null ? nat : p.natOutgoing());
                } catch (IllegalArgumentException e) {
                    System.err.println("viaduct lab pool: " + e.getMessage());
                    return Main.EXIT_USAGE;
                }
                p = create ? ipam.createPool(p) : ipam.updatePool(p);
            }
            System.out.printf("pool %s blockSize /%d vxlanMode %s ipipMode %s natOutgoing %s%n", p.cidr(), p.blockSize(),
                    p.vxlanMode().text(), p.ipipMode().text(), p.natOutgoing());
            return 0;
        }
    }
}
