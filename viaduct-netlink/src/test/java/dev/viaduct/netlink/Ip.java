package dev.viaduct.netlink;

import dev.viaduct.testsupport.Cmd;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The independent check: iproute2's own view ({@code ip -j}, {@code bridge -j}) of a namespace, as JSON.
 * Tests compare what the library did against it; the library itself never runs {@code ip}.
 */
final class Ip {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Ip() {
    }

    /** {@code ip -n <ns> -j <args...>} parsed. */
    static JsonNode json(String ns, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "-n", ns, "-j"));
        argv.addAll(List.of(args));
        String out = Cmd.ok(argv.toArray(String[]::new));
        return JSON.readTree(out.isBlank() ? "[]" : out);
    }

    /** {@code bridge -n <ns> -j <args...>} parsed. */
    static JsonNode bridge(String ns, String... args) {
        List<String> argv = new ArrayList<>(List.of("bridge", "-n", ns, "-j"));
        argv.addAll(List.of(args));
        String out = Cmd.ok(argv.toArray(String[]::new));
        return JSON.readTree(out.isBlank() ? "[]" : out);
    }

    /** {@code ip -n <ns> <args...>}, which must succeed. */
    static String run(String ns, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "-n", ns));
        argv.addAll(List.of(args));
        return Cmd.ok(argv.toArray(String[]::new));
    }

    /** The one link called {@code name} as {@code ip -d -j link show} reports it. */
    static JsonNode link(String ns, String name) {
        JsonNode arr = json(ns, "-d", "link", "show", "dev", name);
        if (arr.size() != 1) {
            throw new AssertionError("ip link show dev " + name + " in " + ns + ": " + arr);
        }
        return arr.get(0);
    }

    /** Whether {@code ip link show dev <name>} finds the link. */
    static boolean hasLink(String ns, String name) {
        return Cmd.run("ip", "-n", ns, "link", "show", "dev", name).ok();
    }

    /** The value of a sysctl inside {@code ns}, read by a process running there. */
    static String sysctl(String ns, String key) {
        return Cmd.ok("ip", "netns", "exec", ns, "sysctl", "-n", key).strip();
    }
}
