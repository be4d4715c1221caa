import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.BatchResult;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Request;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.RouteScope;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The Viaduct side of bench/netlink: in the namespace named by args[0], installs N (args[2]) IPv4 /32 routes
 * over device args[1] in batches, dumps them (all of the main table, then only ours, filtered by the kernel),
 * and deletes them. One round per line "round" on stdin, so the run script can interleave rounds with
 * {@code ip -batch} ones in the same JVM (the first round is cold: nothing is JIT-compiled yet). Prints
 * "viaduct <phase> round=<r> routes=<n> seconds=<s>" per measurement, then "end". Run with the module's
 * classes on the class path.
 */
public final class RouteBench {
    public static void main(String[] args) throws Exception {
        String ns = args[0];
        String dev = args[1];
        int n = Integer.parseInt(args[2]);
        try (NetNamespace netns = NetNamespace.openNamed(ns); Rtnl rtnl = netns.openRtnl()) {
            Link link = rtnl.link(dev).orElseThrow(() -> new IllegalStateException("no device " + dev));
            List<Request> adds = new ArrayList<>(n);
            List<Request> dels = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] a = {10, (byte) (100 + (i >>> 16)), (byte) (i >>> 8), (byte) i};
                Route r = Route.to(IpPrefix.host(InetAddress.getByAddress(a))).withDevice(link.index())
                        .withScope(RouteScope.LINK).withProtocol(RouteProtocol.VIADUCT);
                adds.add(new Request.AddRoute(r));
                dels.add(new Request.DeleteRoute(r));
            }
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            int round = 0;
            for (String line; (line = in.readLine()) != null && line.equals("round"); ) {
                round++;
                long t0 = System.nanoTime();
                BatchResult added = rtnl.execute(adds);
                long t1 = System.nanoTime();
                List<Route> all = rtnl.routes(AddressFamily.INET, Route.MAIN, null);
                long t2 = System.nanoTime();
                List<Route> ours = rtnl.routes(AddressFamily.INET, Route.MAIN, RouteProtocol.VIADUCT);
                long t3 = System.nanoTime();
                BatchResult deleted = rtnl.execute(dels);
                long t4 = System.nanoTime();
                if (!added.allSucceeded() || !deleted.allSucceeded() || ours.size() != n || all.size() < n) {
                    throw new IllegalStateException("round " + round + ": add failures " + added.failures().size()
                            + ", delete failures " + deleted.failures().size() + ", dumped " + ours.size() + "/" + all.size()
                            + (added.allSucceeded() ? "" : "; first: " + added.failures().getFirst().getMessage()));
                }
                report("add", round, n, t1 - t0);
                report("dump", round, all.size(), t2 - t1);
                report("dump-proto", round, ours.size(), t3 - t2);
                report("delete", round, n, t4 - t3);
                System.out.println("end");
                System.out.flush();
            }
        }
    }

    private static void report(String phase, int round, int routes, long nanos) {
        System.out.printf("viaduct %s round=%d routes=%d seconds=%.6f%n", phase, round, routes, nanos / 1e9);
    }
}
