package dev.viaduct.agent.nat;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The nftables side of natOutgoing, pure: the table a family should have, the {@code nft -f} script that puts
 * it in place atomically, and the same facts read back from {@code nft -j list table}.
 *
 * <pre>
 * table ip viaduct-nat {
 *     set pools     { type ipv4_addr; flags interval; elements = { every pool } }
 *     set nat-pools { type ipv4_addr; flags interval; elements = { pools with natOutgoing } }
 *     chain postrouting {
 *         type nat hook postrouting priority srcnat; policy accept;
 *         ip saddr @nat-pools ip daddr != @pools masquerade
 *     }
 * }
 * </pre>
 * Pod-to-pod traffic (destination in any pool) keeps its source; everything else a NAT pool's pods send leaves
 * with the address of the outgoing interface (masquerade: it follows address changes, unlike SNAT).
 */
public final class NatRules {
    public static final String TABLE = "viaduct-nat";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private NatRules() {
    }

    /** nftables address families Viaduct uses, with the set element type. */
    public enum Family {
        IPV4("ip", "ipv4_addr"),
        IPV6("ip6", "ipv6_addr");

        final String nft;
        final String type;

        Family(String nft, String type) {
            this.nft = nft;
            this.type = type;
        }

        public String nftName() {
            return nft;
        }

        boolean holds(IpPrefix c) {
            return this == IPV4 ? c.isIpv4() : c.isIpv6();
        }
    }

    /** What one family's table holds (or should hold). */
    public record Table(SortedSet<IpPrefix> pools, SortedSet<IpPrefix> natPools) {
        public Table {
            pools = new TreeSet<>(pools);
            natPools = new TreeSet<>(natPools);
        }
    }

    /**
     * The table {@code family} should have, or empty when no pool of that family wants NAT (the table must then
     * not exist at all).
     */
    public static Optional<Table> desired(Family family, List<IpPrefix> allPools, List<IpPrefix> natPools) {
        SortedSet<IpPrefix> nat = new TreeSet<>();
        natPools.stream().filter(family::holds).map(IpPrefix::network).forEach(nat::add);
        if (nat.isEmpty()) {
            return Optional.empty();
        }
        SortedSet<IpPrefix> all = new TreeSet<>(nat);
        allPools.stream().filter(family::holds).map(IpPrefix::network).forEach(all::add);
        return Optional.of(new Table(all, nat));
    }

    /**
     * An {@code nft -f -} script replacing the table in one transaction: the first line creates it if absent
     * (so the delete cannot fail), the second deletes it with everything in it, the rest builds it anew. nft
     * applies the whole file atomically (one netlink batch), so no packet sees a half-built table.
     */
    public static String replaceScript(Family family, Table t) {
        String f = family.nft;
        return "table " + f + " " + TABLE + "\n"
                + "delete table " + f + " " + TABLE + "\n"
                + "table " + f + " " + TABLE + " {\n"
                + "\tcomment \"Viaduct natOutgoing: managed by viaduct agent\"\n"
                + set("pools", family, t.pools())
                + set("nat-pools", family, t.natPools())
                + "\tchain postrouting {\n"
                + "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                + "\t\t" + f + " saddr @nat-pools " + f + " daddr != @pools masquerade\n"
                + "\t}\n"
                + "}\n";
    }

    /** Deletes the table if it exists (creating it first makes the delete unconditional). */
    public static String deleteScript(Family family) {
        return "table " + family.nft + " " + TABLE + "\n" + "delete table " + family.nft + " " + TABLE + "\n";
    }

    private static String set(String name, Family family, SortedSet<IpPrefix> elements) {
        List<String> e = new ArrayList<>();
        elements.forEach(c -> e.add(c.toString()));
        return "\tset " + name + " {\n\t\ttype " + family.type + "\n\t\tflags interval\n\t\telements = { " + String.join(", ", e)
                + " }\n\t}\n";
    }

    /** Thrown when {@code nft -j} output is not what nft 1.0 prints. */
    public static final class UnreadableTable extends Exception {
        public UnreadableTable(String message) {
            super(message);
        }
    }

    /**
     * Reads {@code nft -j list table <family> viaduct-nat} output back into a {@link Table}, or empty when the
     * table is not exactly what {@link #replaceScript} builds (a rule changed, added or removed by hand, a chain
     * of another hook): the caller then rewrites it.
     */
    public static Optional<Table> parse(String json) throws UnreadableTable {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new UnreadableTable("nft -j output is not JSON: " + e.getOriginalMessage());
        }
        JsonNode items = root.path("nftables");
        if (!items.isArray()) {
            throw new UnreadableTable("nft -j output has no \"nftables\" array");
        }
        SortedSet<IpPrefix> pools = null;
        SortedSet<IpPrefix> nat = null;
        int chains = 0;
        int rules = 0;
        boolean ruleOk = false;
        for (JsonNode item : items) {
            if (item.has("set")) {
                JsonNode s = item.get("set");
                SortedSet<IpPrefix> elems = new TreeSet<>();
                for (JsonNode e : s.path("elem")) {
                    IpPrefix c = element(e);
                    if (c == null) {
                        return Optional.empty();
                    }
                    elems.add(c);
                }
                switch (s.path("name").asString("")) {
                    case "pools" -> pools = elems;
                    case "nat-pools" -> nat = elems;
                    default -> {
                        return Optional.empty();
                    }
                }
            } else if (item.has("chain")) {
                JsonNode c = item.get("chain");
                chains++;
                if (!c.path("name").asString("").equals("postrouting") || !c.path("hook").asString("").equals("postrouting")
                        || !c.path("type").asString("").equals("nat") || !c.path("policy").asString("").equals("accept")) {
                    return Optional.empty();
                }
            } else if (item.has("rule")) {
                rules++;
                String expr = item.get("rule").path("expr").toString();
                ruleOk = expr.contains("\"field\":\"saddr\"") && expr.contains("\"right\":\"@nat-pools\"")
                        && expr.contains("\"op\":\"!=\"") && expr.contains("\"right\":\"@pools\"")
                        && expr.contains("\"masquerade\"") && !expr.contains("\"accept\"") && !expr.contains("\"drop\"");
            }
        }
        if (pools == null || nat == null || chains != 1 || rules != 1 || !ruleOk) {
            return Optional.empty();
        }
        return Optional.of(new Table(pools, nat));
    }

    private static IpPrefix element(JsonNode e) {
        try {
            if (e.has("prefix")) {
                return IpPrefix.parse(e.get("prefix").path("addr").asString("") + "/" + e.get("prefix").path("len").asInt(-1));
            }
            if (e.isString()) {
                return IpPrefix.parse(e.asString());
            }
        } catch (IllegalArgumentException ex) {
            return null;
        }
        return null; // a range or something else: not ours
    }
}
