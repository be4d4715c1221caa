package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.LoopbackPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@link CtlShortcut} answers exactly as picocli does: for every line it takes, the same output, errors and exit code as
 * the line parsed by picocli; every line it is not certain of, it declines (and picocli then answers).
 */
class CtlShortcutTest {
    /** A loopback port nothing listens on: etcd and agents there refuse the connection, as stopped ones do. */
    static String dead;

    @BeforeAll
    static void deadPort() {
        dead = "http://127.0.0.1:" + LoopbackPorts.unused();
    }

    record Outcome(int exit, String out, String err) {
    }

    private static Outcome viaMain(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(exit, out.toString(), err.toString());
    }

    /** What {@link Main#run} does without the shortcut. */
    private static Outcome viaPicocli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(args);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    private static boolean taken(String... args) {
        StringWriter sink = new StringWriter();
        return CtlShortcut.run(args, new PrintWriter(sink), new PrintWriter(sink)).isPresent();
    }

    private static String[] line(String... parts) {
        return Stream.of(parts).map(p -> p.replace("DEAD", dead)).toArray(String[]::new);
    }

    @Test
    void theLinesItTakesAnswerAsPicocliDoes() {
        List<String[]> lines = List.of(
                line("ctl", "nodes", "--etcd", "DEAD", "--timeout", "1s"),
                line("ctl", "nodes", "--etcd=DEAD,DEAD", "-o", "json", "--timeout=500ms", "--prefix", "/p"),
                line("ctl", "nodes", "--output", "table", "--etcd", "DEAD", "--agent", "DEAD"),
                line("ctl", "routes", "--agent", "DEAD", "--timeout", "1s"),
                line("ctl", "routes", "--agent", "DEAD", "-o", "json"),
                line("ctl", "peers", "--all", "--etcd", "DEAD"),
                line("ctl", "peers", "--node", "n1", "--etcd", "DEAD"),
                line("ctl", "ipam", "show", "--etcd", "DEAD"),
                line("ctl", "ipam", "show", "--pool", "10.244.0.0/16", "--etcd", "DEAD"),
                line("ctl", "ipam", "show", "--ip", "10.244.0.1", "--etcd", "DEAD", "-o", "json"),
                line("ctl", "ipam", "show", "--node", "n1", "--etcd", "DEAD"),
                line("ctl", "ipam", "check", "--reclaim-after", "30s", "--etcd", "DEAD"),
                line("ctl", "explain", "10.244.0.1", "10.244.1.1", "--etcd", "DEAD"),
                line("ctl", "explain", "--etcd", "DEAD", "fd00::1", "-o", "json", "fd00::2"),
                line("ctl", "policy", "list", "--etcd", "DEAD"),
                line("ctl", "policy", "list", "-o", "json", "--etcd=DEAD", "--timeout", "1s"),
                line("ctl", "policy", "show", "default/web", "--etcd", "DEAD"),
                line("ctl", "policy", "show", "--etcd", "DEAD", "-o", "json", "kube-system/allow-dns"));
        for (String[] args : lines) {
            assertThat(taken(args)).as(String.join(" ", args)).isTrue();
            Outcome mine = viaMain(args);
            assertThat(mine).as(String.join(" ", args)).isEqualTo(viaPicocli(args));
            assertThat(mine.exit()).as(String.join(" ", args)).isEqualTo(3);
            assertThat(mine.err()).as(String.join(" ", args)).startsWith("viaduct ctl ");
        }
    }

    @Test
    void whatItIsNotCertainOfIsLeftToPicocli() {
        List<String[]> lines = List.of(
                line("ctl", "nodes", "--timeout", "soon"),
                line("ctl", "nodes", "-o", "yaml"),
                line("ctl", "nodes", "-ojson", "--etcd", "DEAD"),
                line("ctl", "nodes", "-o=json", "--etcd", "DEAD"),
                line("ctl", "nodes", "--agent", "ftp://x"),
                line("ctl", "nodes", "--etcd", "etcd:2379"),
                line("ctl", "nodes", "--etcd", "DEAD,,DEAD"),
                line("ctl", "nodes", "--bogus"),
                line("ctl", "nodes", "extra"),
                line("ctl", "nodes", "--timeout", "1s", "--timeout", "2s"),
                line("ctl", "nodes", "--timeout"),
                line("ctl", "nodes", "--timeout", "-1s"),
                line("ctl", "nodes", "--timeout="),
                line("ctl", "nodes", "-h"),
                line("ctl", "nodes", "--help"),
                line("ctl", "nodes", "@args"),
                line("ctl", "nodes", "--", "--etcd", "DEAD"),
                line("ctl", "nodes", "--all"),
                line("ctl", "routes", "--all=true"),
                line("ctl", "ipam", "show", "--pool", "10.0.0.0", "--etcd", "DEAD"),
                line("ctl", "ipam", "show", "--ip", "not-an-ip", "--etcd", "DEAD"),
                line("ctl", "ipam", "show", "--pool", "10.0.0.0/8", "--node", "n1"),
                line("ctl", "ipam", "check", "--reclaim-after", "ten minutes"),
                line("ctl", "ipam", "release", "--ip", "10.0.0.1"),
                line("ctl", "ipam"),
                line("ctl", "explain", "10.0.0.1", "not-an-ip", "--etcd", "DEAD"),
                line("ctl", "explain", "10.0.0.1", "fd00::1", "--etcd", "DEAD"),
                line("ctl", "explain", "10.0.0.1", "--etcd", "DEAD"),
                line("ctl", "explain", "10.0.0.1", "10.0.0.2", "10.0.0.3", "--etcd", "DEAD"),
                line("ctl", "explain", "--from", "a/b", "--to", "c/d", "--port", "80/tcp", "--etcd", "DEAD"),
                line("ctl", "explain", "10.0.0.1", "@ips", "--etcd", "DEAD"),
                line("ctl", "policy", "list", "extra", "--etcd", "DEAD"),
                line("ctl", "policy", "list", "--node", "n1", "--etcd", "DEAD"),
                line("ctl", "policy", "list", "--timeout", "soon"),
                line("ctl", "policy", "show", "--etcd", "DEAD"),
                line("ctl", "policy", "show", "web", "--etcd", "DEAD"),
                line("ctl", "policy", "show", "default/", "--etcd", "DEAD"),
                line("ctl", "policy", "show", "a/b/c", "--etcd", "DEAD"),
                line("ctl", "policy", "show", "default/web", "default/db", "--etcd", "DEAD"),
                line("ctl", "policy", "show", "@targets", "--etcd", "DEAD"),
                line("ctl", "policy", "show", "default/web", "-h"),
                line("ctl", "policy", "delete", "default/web", "--etcd", "DEAD"),
                line("ctl", "policy", "apply", "-f", "/nonexistent/policy.yaml", "--etcd", "DEAD"),
                line("ctl", "policy"),
                line("ctl", "nodes", "--config", "/nonexistent/agent.yaml"));
        for (String[] args : lines) {
            assertThat(taken(args)).as(String.join(" ", args)).isFalse();
            Outcome picocli = viaPicocli(args);
            assertThat(viaMain(args)).as(String.join(" ", args)).isEqualTo(picocli);
        }
        assertThat(viaMain(line("ctl", "nodes", "--timeout", "soon"))).isEqualTo(new Outcome(2, "",
                "viaduct ctl nodes: --timeout: 'soon' is not a duration like 5s or 500ms (see 'viaduct ctl nodes --help')\n"));
    }

    @Test
    void itsDefaultsArePicocliDefaults() {
        String[] args = {"ctl", "nodes"};
        CommandLine.ParseResult parsed = Main.commandLine(args).parseArgs(args);
        while (parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
        }
        CtlCommand.Connection picocli = ((CtlCommand.Nodes) parsed.commandSpec().userObject()).c;
        CtlCommand.Connection mine = CtlShortcut.connection(java.util.Map.of());
        assertThat(List.of(String.valueOf(mine.etcd), String.valueOf(mine.config), String.valueOf(mine.prefix),
                String.valueOf(mine.agent), mine.output, mine.timeout))
                .isEqualTo(List.of(String.valueOf(picocli.etcd), String.valueOf(picocli.config), String.valueOf(picocli.prefix),
                        String.valueOf(picocli.agent), picocli.output, picocli.timeout));
    }
}
