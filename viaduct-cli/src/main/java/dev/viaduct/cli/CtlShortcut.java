package dev.viaduct.cli;

import dev.viaduct.store.Declined;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * The read-only {@code ctl} commands people and scripts run most ({@code nodes}, {@code routes}, {@code peers},
 * {@code ipam show}, {@code ipam check}, {@code explain A B}, {@code policy list}, {@code policy show NS/NAME}),
 * parsed without picocli: picocli builds a command's
 * model by reflection on every start (each annotation type a proxy class generated at run time, which the JDK's
 * AOT cache cannot hold), a quarter of a {@code ctl nodes}. This takes a command line only when it is certain what picocli would make of it
 * — the options of {@link CtlCommand}'s classes in their plain spellings ({@code --name value}, {@code --name=value},
 * {@code -o value}, {@code -c value}), each at most once, values that picocli could not mistake for options, and
 * every value valid — and then runs the same command object picocli would have built. Anything else ({@code --help},
 * an unknown, repeated or clustered option, a value it would refuse, {@code @file}) it declines and {@link Main}
 * hands the whole line to picocli, so usage, help, errors and exit codes are picocli's.
 *
 * <p>Stateless; one command line per call.
 */
final class CtlShortcut {
    /** Where a command parsed here prints, and its name for error messages ({@code viaduct ctl nodes}). */
    record Streams(PrintWriter out, PrintWriter err, String command) {
    }

    /** The options every ctl command has ({@link CtlCommand.Connection}), long names. */
    private static final Set<String> CONNECTION = Set.of("--etcd", "--config", "--prefix", "--agent", "--output", "--timeout");
    private static final Set<String> COMMANDS = Set.of("nodes", "routes", "peers", "ipam show", "ipam check", "explain",
            "policy list", "policy show");
    private static final Map<String, String> SHORT = Map.of("-o", "--output", "-c", "--config");

    private CtlShortcut() {
    }

    /** The exit code of {@code args} run here, or empty when picocli must parse them. */
    static OptionalInt run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length < 2 || !args[0].equals("ctl")) {
            return OptionalInt.empty();
        }
        boolean group = args[1].equals("ipam") || args[1].equals("policy"); // a command with subcommands
        if (group && args.length < 3) {
            return OptionalInt.empty();
        }
        String name = group ? args[1] + " " + args[2] : args[1];
        if (!COMMANDS.contains(name)) {
            return OptionalInt.empty();
        }
        try {
            Map<String, String> o = options(args, group ? 3 : 2, name);
            CtlCommand.Connection c = connection(o);
            Callable<Integer> command = switch (name) {
                case "nodes" -> {
                    var n = new CtlCommand.Nodes();
                    n.c = c;
                    yield n;
                }
                case "routes" -> {
                    var r = new CtlCommand.Routes();
                    r.c = c;
                    r.which = which(o);
                    yield r;
                }
                case "peers" -> {
                    var p = new CtlCommand.Peers();
                    p.c = c;
                    p.which = which(o);
                    yield p;
                }
                case "explain" -> {
                    var x = new CtlCommand.Explain();
                    x.c = c;
                    x.a = address(o.get("0"));
                    x.b = address(o.get("1"));
                    if (x.a.getAddress().length != x.b.getAddress().length) {
                        throw Declined.INSTANCE;
                    }
                    yield x;
                }
                case "policy list" -> {
                    var l = new CtlPolicyCommand.ListCmd();
                    l.c = c;
                    yield l;
                }
                case "policy show" -> {
                    var s = new CtlPolicyCommand.Show();
                    s.c = c;
                    s.target = o.get("0");
                    yield s;
                }
                case "ipam show" -> {
                    var s = new CtlCommand.IpamShow();
                    s.c = c;
                    s.filter = filter(o);
                    yield s;
                }
                default -> {
                    var k = new CtlCommand.IpamCheck();
                    k.c = c;
                    k.reclaimAfter = o.get("--reclaim-after");
                    k.c.reclaimAfter(k.reclaimAfter); // a bad value is picocli's to report, before anything runs
                    yield k;
                }
            };
            // what Connection checks lazily, checked before anything runs (a usage error is picocli's to report)
            c.timeout();
            c.json();
            c.localAgent();
            c.storeOptions();
            c.streams = new Streams(out, err, "viaduct ctl " + name);
            return OptionalInt.of(call(command, err, group ? args[2] : args[1]));
        } catch (Declined e) {
            return OptionalInt.empty();
        }
    }

    /** Runs {@code command} as picocli's {@code execute} with {@link Main}'s execution exception handler would. */
    private static int call(Callable<Integer> command, PrintWriter err, String leaf) {
        try {
            return command.call();
        } catch (Declined e) {
            throw e;
        } catch (Exception e) {
            err.println(leaf + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            err.flush();
            return 1;
        }
    }

    /** The options from {@code args[from]} on, by long name; declines what it is not certain of. */
    private static Map<String, String> options(String[] args, int from, String command) {
        Set<String> flags = command.equals("routes") || command.equals("peers") ? Set.of("--all") : Set.of();
        Set<String> extra = switch (command) {
            case "routes", "peers" -> Set.of("--node");
            case "ipam show" -> Set.of("--pool", "--node", "--ip");
            case "ipam check" -> Set.of("--reclaim-after");
            default -> Set.of();
        };
        Map<String, String> out = new HashMap<>();
        int positional = 0;
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            String key;
            String value;
            int eq = a.indexOf('=');
            if ((command.equals("explain") || command.equals("policy show")) && !a.startsWith("-")) {
                key = Integer.toString(positional++); // explain's two addresses, in order ("0", "1"); show's NS/NAME
                value = a;
            } else if (flags.contains(a)) {
                key = a;
                value = "true";
            } else if (a.startsWith("--") && eq > 2) {
                key = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                key = SHORT.getOrDefault(a, a);
                value = args[++i];
            } else {
                throw Declined.INSTANCE;
            }
            boolean known = CONNECTION.contains(key) || extra.contains(key) || flags.contains(key)
                    || key.equals("0") || key.equals("1");
            if (!known || out.containsKey(key)
                    || value.isEmpty() || value.startsWith("-") || value.startsWith("@") || flags.contains(key) && eq >= 0) {
                throw Declined.INSTANCE;
            }
            out.put(key, value);
        }
        if (command.equals("explain") && positional != 2) {
            throw Declined.INSTANCE; // the policy verdict (--from/--to/--port), or a missing or extra address
        }
        if (command.equals("policy show") && positional != 1) {
            throw Declined.INSTANCE; // no NS/NAME, or more than one
        }
        return out;
    }

    /** An address as picocli's converter reads it; declined if it is not one. */
    private static java.net.InetAddress address(String text) {
        try {
            return new CtlCommand.IpConverter().convert(text);
        } catch (CommandLine.TypeConversionException e) {
            throw Declined.INSTANCE;
        }
    }

    /** The connection options of {@code o}, with picocli's defaults for those not given (a test holds them equal). */
    static CtlCommand.Connection connection(Map<String, String> o) {
        CtlCommand.Connection c = new CtlCommand.Connection();
        String etcd = o.get("--etcd");
        if (etcd != null) {
            if (etcd.startsWith(",") || etcd.endsWith(",") || etcd.contains(",,")) {
                throw Declined.INSTANCE;
            }
            c.etcd = List.of(etcd.split(","));
        }
        if (o.containsKey("--config")) {
            try {
                c.config = Path.of(o.get("--config"));
            } catch (InvalidPathException e) {
                throw Declined.INSTANCE;
            }
        }
        c.prefix = o.get("--prefix");
        c.agent = o.get("--agent");
        c.output = o.getOrDefault("--output", "table");
        c.timeout = o.getOrDefault("--timeout", "5s");
        return c;
    }

    private static CtlCommand.Which which(Map<String, String> o) {
        CtlCommand.Which w = new CtlCommand.Which();
        w.node = o.get("--node");
        w.all = o.containsKey("--all");
        return w;
    }

    /** {@code ipam show}'s exclusive filter; null without one (as picocli leaves it). */
    private static CtlCommand.IpamShow.Filter filter(Map<String, String> o) {
        int given = (o.containsKey("--pool") ? 1 : 0) + (o.containsKey("--node") ? 1 : 0) + (o.containsKey("--ip") ? 1 : 0);
        if (given == 0) {
            return null;
        }
        if (given > 1) {
            throw Declined.INSTANCE;
        }
        CtlCommand.IpamShow.Filter f = new CtlCommand.IpamShow.Filter();
        try {
            if (o.containsKey("--pool")) {
                f.pool = new CtlCommand.CidrConverter().convert(o.get("--pool"));
            }
            if (o.containsKey("--ip")) {
                f.ip = new CtlCommand.IpConverter().convert(o.get("--ip"));
            }
        } catch (CommandLine.TypeConversionException e) {
            throw Declined.INSTANCE;
        }
        f.node = o.get("--node");
        return f;
    }
}
