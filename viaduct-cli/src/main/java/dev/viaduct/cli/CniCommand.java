package dev.viaduct.cli;

import dev.viaduct.cni.CniInstaller;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code viaduct cni install|uninstall}: the plugin binary (the C shim) and the network config list. */
@Command(name = "cni", mixinStandardHelpOptions = true,
        description = "Install or remove the CNI plugin binary and its .conflist.",
        subcommands = {CniCommand.Install.class, CniCommand.Uninstall.class})
final class CniCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static class Where {
        @Option(names = "--bin-dir", defaultValue = "/opt/cni/bin", description = "Plugin directory (default: ${DEFAULT-VALUE}).")
        Path binDir;

        @Option(names = "--conf-dir", defaultValue = "/etc/cni/net.d", description = "Network config directory (default: ${DEFAULT-VALUE}).")
        Path confDir;

        @Option(names = "--network", defaultValue = "viaduct", description = "CNI network name (default: ${DEFAULT-VALUE}).")
        String network;
    }

    @Command(name = "install", mixinStandardHelpOptions = true, description = "Install the plugin binary and write the .conflist.")
    static final class Install implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Where where = new Where();

        @Option(names = "--socket", defaultValue = "/run/viaduct/cni.sock", description = "The agent's CNI socket (default: ${DEFAULT-VALUE}).")
        Path socket;

        @Option(names = "--cni-version", defaultValue = "", description = "Force one cniVersion: 1.1.0, 1.0.0 or 0.4.0"
                + " (default: cniVersion 1.0.0 for runtimes before CNI spec 1.1, and cniVersions listing every supported version).")
        String version;

        @Option(names = "--portmap", description = "Chain the reference portmap plugin (cniVersions then stops at 1.0.0, which plugins before 1.4 answer in).")
        boolean portmap;

        @Option(names = "--ipv6", description = "Dual-stack: assign an IPv6 address as well.")
        boolean ipv6;

        @Option(names = "--mtu", defaultValue = "0", description = "Pod MTU (0: the agent's; default: ${DEFAULT-VALUE}).")
        int mtu;

        @Override
        public Integer call() throws Exception {
            if (!version.isEmpty() && !CniInstaller.SUPPORTED.contains(version)) {
                System.err.println("viaduct cni install: --cni-version " + version + " is not one of " + CniInstaller.SUPPORTED);
                return Main.EXIT_USAGE;
            }
            try {
                var done = CniInstaller.install(new CniInstaller.Options(where.binDir, where.confDir, where.network, socket,
                        version, portmap, ipv6, mtu));
                System.out.println("installed " + done.binary() + " and " + done.conflist());
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("viaduct cni install: " + e.getMessage());
                return Main.EXIT_USAGE;
            }
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true, description = "Remove the plugin binary and the .conflist.")
    static final class Uninstall implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Where where = new Where();

        @Override
        public Integer call() throws Exception {
            CniInstaller.uninstall(new CniInstaller.Options(where.binDir, where.confDir, where.network, Path.of("/"), "",
                    false, false, 0));
            System.out.println("removed " + where.binDir.resolve("viaduct") + " and the " + where.network + " conflist");
            return 0;
        }
    }
}
