package dev.viaduct.ipam;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pool's node selector: which nodes may take blocks from the pool. A subset of Calico's selector syntax:
 * {@code all()}, or terms joined by {@code &&}, each one of {@code has(k)}, {@code !has(k)},
 * {@code k == 'v'}, {@code k != 'v'}, {@code k in {'a', 'b'}}, {@code k not in {'a'}} (single or double
 * quotes). Parsed once into terms; a syntax error names the position.
 */
public record NodeSelector(String text, List<Term> terms) {
    public NodeSelector {
        terms = List.copyOf(terms);
    }

    /** Selects every node. */
    public static final NodeSelector ALL = new NodeSelector("all()", List.of());

    /** One condition on a node's labels. */
    public sealed interface Term {
        boolean test(Map<String, String> labels);

        record Has(String key, boolean negated) implements Term {
            @Override
            public boolean test(Map<String, String> labels) {
                return labels.containsKey(key) != negated;
            }
        }

        record In(String key, Set<String> values, boolean negated) implements Term {
            @Override
            public boolean test(Map<String, String> labels) {
                String v = labels.get(key);
                // Calico: "k != 'v'" and "k not in {...}" also match nodes without the label
                return negated ? v == null || !values.contains(v) : v != null && values.contains(v);
            }
        }
    }

    /** Whether a node with these labels is selected. */
    public boolean matches(Map<String, String> labels) {
        for (Term t : terms) {
            if (!t.test(labels)) {
                return false;
            }
        }
        return true;
    }

    public boolean selectsAll() {
        return terms.isEmpty();
    }

    /** Parses a selector; null or blank is {@code all()}. */
    public static NodeSelector parse(String text) {
        if (text == null || text.isBlank() || text.strip().equals("all()")) {
            return ALL;
        }
        return new Parser(text).parse();
    }

    @Override
    public String toString() {
        return text;
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        NodeSelector parse() {
            List<Term> terms = new ArrayList<>();
            while (true) {
                terms.add(term());
                skip();
                if (i == s.length()) {
                    return new NodeSelector(s, terms);
                }
                expect("&&");
            }
        }

        private Term term() {
            skip();
            boolean not = false;
            if (peek("!")) {
                i++;
                not = true;
                skip();
            }
            if (peek("has(")) {
                i += 4;
                String key = key();
                skip();
                expect(")");
                return new Term.Has(key, not);
            }
            if (not) {
                throw error("expected has( after !");
            }
            String key = key();
            skip();
            if (peek("==") || peek("!=")) {
                boolean neg = s.charAt(i) == '!';
                i += 2;
                skip();
                return new Term.In(key, Set.of(quoted()), neg);
            }
            boolean neg = false;
            if (peek("not ")) {
                i += 4;
                skip();
                neg = true;
            }
            if (peek("in")) {
                i += 2;
                skip();
                expect("{");
                Set<String> values = new java.util.LinkedHashSet<>();
                while (true) {
                    skip();
                    values.add(quoted());
                    skip();
                    if (peek("}")) {
                        i++;
                        return new Term.In(key, Set.copyOf(values), neg);
                    }
                    expect(",");
                }
            }
            throw error("expected ==, !=, in or not in after label '" + key + "'");
        }

        private String key() {
            skip();
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || "._/-".indexOf(s.charAt(i)) >= 0)) {
                i++;
            }
            if (start == i) {
                throw error("expected a label key");
            }
            return s.substring(start, i);
        }

        private String quoted() {
            if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) {
                throw error("expected a quoted value");
            }
            char q = s.charAt(i++);
            int end = s.indexOf(q, i);
            if (end < 0) {
                throw error("unterminated quote");
            }
            String v = s.substring(i, end);
            i = end + 1;
            return v;
        }

        private boolean peek(String t) {
            return s.startsWith(t, i);
        }

        private void expect(String t) {
            skip();
            if (!peek(t)) {
                throw error("expected '" + t + "'");
            }
            i += t.length();
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("nodeSelector '" + s + "': " + what + " at position " + i);
        }
    }
}
