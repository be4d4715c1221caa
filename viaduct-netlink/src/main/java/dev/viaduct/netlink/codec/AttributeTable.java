package dev.viaduct.netlink.codec;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The attributes one message family (or one nest) may carry, described once: name, kind and nested table
 * per type (STYLE.md point 3). Tables are immutable after construction and shared between threads.
 * Types the table does not know are kept (as raw bytes) but not validated, as the kernel's own
 * {@code nla_parse} does for types without a policy.
 */
public final class AttributeTable {
    private final String name;
    private final AttributeSpec[] byType;
    private final int maxType;

    private AttributeTable(String name, AttributeSpec[] byType, int maxType) {
        this.name = name;
        this.byType = byType;
        this.maxType = maxType;
    }

    /** Starts a table called {@code name} (used in error messages) for types 1..maxType. */
    public static Builder builder(String name, int maxType) {
        return new Builder(name, maxType);
    }

    /** Table name, e.g. {@code "rtmsg"}. */
    public String name() {
        return name;
    }

    /** Highest type this table stores; attributes above it are skipped on parse. */
    public int maxType() {
        return maxType;
    }

    /** The spec of {@code type}, or null if the table does not describe it. */
    public AttributeSpec spec(int type) {
        return type > 0 && type <= maxType ? byType[type] : null;
    }

    /** Name of {@code type} for messages: the kernel name, or {@code <table>#<type>}. */
    public String nameOf(int type) {
        AttributeSpec s = spec(type);
        return s != null ? s.name() : name + "#" + type;
    }

    /** Collects specs; nested tables are passed as suppliers so tables can refer to each other. */
    public static final class Builder {
        private final String name;
        private final AttributeSpec[] byType;
        private final int maxType;

        private Builder(String name, int maxType) {
            this.name = name;
            this.maxType = maxType;
            this.byType = new AttributeSpec[maxType + 1];
        }

        public Builder add(int type, String attrName, AttributeKind kind) {
            return put(new AttributeSpec(type, attrName, kind, null));
        }

        public Builder nested(int type, String attrName, Supplier<AttributeTable> table) {
            return put(new AttributeSpec(type, attrName, AttributeKind.NESTED, table.get()));
        }

        private Builder put(AttributeSpec spec) {
            if (spec.type() > maxType) {
                throw new IllegalArgumentException(name + ": " + spec.name() + " above max type " + maxType);
            }
            if (byType[spec.type()] != null) {
                throw new IllegalArgumentException(name + ": type " + spec.type() + " described twice");
            }
            byType[spec.type()] = spec;
            return this;
        }

        public AttributeTable build() {
            return new AttributeTable(name, Arrays.copyOf(byType, byType.length), maxType);
        }
    }
}
