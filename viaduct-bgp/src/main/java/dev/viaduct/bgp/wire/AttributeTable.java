package dev.viaduct.bgp.wire;

import static dev.viaduct.bgp.wire.AttributeError.Action.ATTRIBUTE_DISCARD;
import static dev.viaduct.bgp.wire.AttributeError.Action.TREAT_AS_WITHDRAW;

import dev.viaduct.bgp.wire.AttributeError.Action;

/**
 * Every known path attribute described once: its flags (RFC 4271 §5 and the defining RFCs), its length
 * rule, and what RFC 7606 §7 says to do when it is malformed. The decoder checks flags and length
 * generically from this table before looking at a value.
 */
final class AttributeTable {
    /** Length rules: a fixed length, "multiple of n (n > 0)", or the AS-width dependent AGGREGATOR. */
    static final int VARIABLE = -1;
    static final int AS_WIDTH_PLUS_4 = -2;

    /**
     * @param flags optional and transitive bits as they must be (RFC 7606 §3 c: a conflict makes the
     *     attribute malformed)
     * @param onMalformed null means "session reset" (RFC 7606 §7.11 for the MP attributes)
     */
    record Rule(int type, String name, int flags, int fixedLength, int multipleOf, Action onMalformed) {
        boolean wellKnown() {
            return (flags & PathAttribute.FLAG_OPTIONAL) == 0;
        }
    }

    private static final Rule[] RULES = new Rule[256];

    static {
        int wk = PathAttribute.FLAG_TRANSITIVE;
        int optT = PathAttribute.FLAG_OPTIONAL | PathAttribute.FLAG_TRANSITIVE;
        int optN = PathAttribute.FLAG_OPTIONAL;
        // RFC 7606 §7.1-7.11 and RFC 6793 §6 for the malformed handling column.
        put(new Rule(PathAttribute.ORIGIN, "ORIGIN", wk, 1, 0, TREAT_AS_WITHDRAW));
        put(new Rule(PathAttribute.AS_PATH, "AS_PATH", wk, VARIABLE, 0, TREAT_AS_WITHDRAW));
        put(new Rule(PathAttribute.NEXT_HOP, "NEXT_HOP", wk, 4, 0, TREAT_AS_WITHDRAW));
        put(new Rule(PathAttribute.MULTI_EXIT_DISC, "MULTI_EXIT_DISC", optN, 4, 0, TREAT_AS_WITHDRAW));
        put(new Rule(PathAttribute.LOCAL_PREF, "LOCAL_PREF", wk, 4, 0, TREAT_AS_WITHDRAW));
        put(new Rule(PathAttribute.ATOMIC_AGGREGATE, "ATOMIC_AGGREGATE", wk, 0, 0, ATTRIBUTE_DISCARD));
        put(new Rule(PathAttribute.AGGREGATOR, "AGGREGATOR", optT, AS_WIDTH_PLUS_4, 0, ATTRIBUTE_DISCARD));
        put(new Rule(PathAttribute.COMMUNITIES, "COMMUNITIES", optT, VARIABLE, 4, TREAT_AS_WITHDRAW));
        put(new Rule(PathAttribute.ORIGINATOR_ID, "ORIGINATOR_ID", optN, 4, 0, TREAT_AS_WITHDRAW));
        put(new Rule(PathAttribute.CLUSTER_LIST, "CLUSTER_LIST", optN, VARIABLE, 4, TREAT_AS_WITHDRAW));
        put(new Rule(PathAttribute.MP_REACH_NLRI, "MP_REACH_NLRI", optN, VARIABLE, 0, null));
        put(new Rule(PathAttribute.MP_UNREACH_NLRI, "MP_UNREACH_NLRI", optN, VARIABLE, 0, null));
        put(new Rule(PathAttribute.AS4_PATH, "AS4_PATH", optT, VARIABLE, 0, ATTRIBUTE_DISCARD));
        put(new Rule(PathAttribute.AS4_AGGREGATOR, "AS4_AGGREGATOR", optT, 8, 0, ATTRIBUTE_DISCARD));
    }

    private AttributeTable() {
    }

    private static void put(Rule r) {
        RULES[r.type()] = r;
    }

    /** The rule for a type code, or null when the attribute is not one this speaker knows. */
    static Rule rule(int type) {
        return RULES[type & 0xff];
    }

    static String name(int type) {
        Rule r = rule(type);
        return r == null ? "attribute type " + type : r.name();
    }

    /** The flags this speaker sends for a known attribute (Partial and Extended Length aside). */
    static int flags(int type) {
        return RULES[type].flags();
    }
}
