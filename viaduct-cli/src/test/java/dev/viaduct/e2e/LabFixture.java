package dev.viaduct.e2e;

import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A lab for one test class: a unique name and subnet (so concurrent labs never collide), brought up once
 * and always taken down, also when the class fails. Also a store client (through the root namespace's leg
 * on the lab segment) for independent checks of what the agents did.
 */
final class LabFixture implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();
    final Lab lab;
    final EtcdDatastore store;
    final Ipam ipam;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private LabFixture(Lab lab) {
        this.lab = lab;
        this.store = EtcdDatastore.connect(StoreOptions.of(List.of(lab.spec().etcdEndpoint())));
        this.ipam = new Ipam(store, Keys.defaults());
    }

    /** Brings up a lab shaped by {@code shape} applied to a fresh unique name and subnet. */
    static LabFixture up(java.util.function.UnaryOperator<LabSpec> shape) throws IOException {
        Netns.requireRoot();
        Lab.sweepAbandoned("t", new PrintStream(System.out, true));
        int n = (int) (ProcessHandle.current().pid() % 50) * 4 + SEQ.incrementAndGet() % 4;
        String name = "t" + Long.toString(ProcessHandle.current().pid() % 1296, 36) + SEQ.get();
        LabSpec spec = shape.apply(LabSpec.defaults(name.length() > 6 ? name.substring(0, 6) : name)
                .withSubnetBase("10.201." + n));
        Lab lab = Lab.up(spec, new PrintStream(System.out, true));
        try {
            return new LabFixture(lab);
        } catch (RuntimeException e) {
            lab.down();
            throw e;
        }
    }

    List<Block> blocks() {
        return ipam.blocks();
    }

    /** GET on a node agent's HTTP endpoint. */
    String get(String node, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(lab.agentUrl(node) + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** A metric's value from a node's /metrics (first sample with that exact name and labels). */
    double metric(String node, String sample) throws IOException, InterruptedException {
        String body = get(node, "/metrics");
        Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** {@code ip <args>} inside a node's namespace. */
    Cmd.Result ip(String node, String... args) {
        String[] argv = new String[args.length + 3];
        argv[0] = "ip";
        argv[1] = "-n";
        argv[2] = lab.nodeNamespace(node);
        System.arraycopy(args, 0, argv, 3, args.length);
        return Cmd.run(argv);
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            List<String> problems = lab.down();
            if (!problems.isEmpty()) {
                throw new AssertionError("lab teardown left things behind: " + problems);
            }
        }
    }
}
