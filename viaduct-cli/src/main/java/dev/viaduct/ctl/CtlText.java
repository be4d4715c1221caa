package dev.viaduct.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text output of {@code viaduct ctl}: aligned tables (two spaces between columns, header in capitals, the
 * last column unpadded so long values do not push lines wide) and a natural order for names ({@code n2}
 * before {@code n10}).
 */
final class CtlText {
    private CtlText() {
    }

    /** Orders names with embedded numbers numerically: n1, n2, n10. */
    static final Comparator<String> NATURAL = (a, b) -> {
        List<String> ta = tokens(a);
        List<String> tb = tokens(b);
        for (int i = 0; i < Math.min(ta.size(), tb.size()); i++) {
            String x = ta.get(i);
            String y = tb.get(i);
            int c;
            if (Character.isDigit(x.charAt(0)) && Character.isDigit(y.charAt(0))) {
                c = new java.math.BigInteger(x).compareTo(new java.math.BigInteger(y));
            } else {
                c = x.compareTo(y);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(ta.size(), tb.size());
    };
    private static final Pattern TOKEN = Pattern.compile("\\d+|\\D+");

    private static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(s);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** A table built row by row and printed aligned. */
    static final class Table {
        private final List<String> header;
        private final List<List<String>> rows = new ArrayList<>();

        Table(String... header) {
            this.header = List.of(header);
        }

        Table row(Object... cells) {
            if (cells.length != header.size()) {
                throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + header.size() + " columns");
            }
            List<String> r = new ArrayList<>();
            for (Object c : cells) {
                r.add(c == null ? "-" : c.toString());
            }
            rows.add(r);
            return this;
        }

        boolean isEmpty() {
            return rows.isEmpty();
        }

        void print(PrintWriter out, String indent) {
            int[] w = new int[header.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = header.get(i).length();
                for (List<String> r : rows) {
                    w[i] = Math.max(w[i], r.get(i).length());
                }
            }
            line(out, indent, header, w);
            for (List<String> r : rows) {
                line(out, indent, r, w);
            }
        }

        private static void line(PrintWriter out, String indent, List<String> cells, int[] w) {
            StringBuilder sb = new StringBuilder(indent);
            for (int i = 0; i < cells.size(); i++) {
                if (i == cells.size() - 1) {
                    sb.append(cells.get(i));
                } else {
                    sb.append(String.format("%-" + w[i] + "s  ", cells.get(i)));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** "1 route" / "3 routes". */
    static String count(long n, String singular) {
        return n + " " + (n == 1 ? singular : singular.endsWith("s") ? singular + "es" : singular + "s");
    }

    /** Seconds as a short duration: 45s, 12m3s, 5h2m, 3d4h. */
    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + seconds % 60 + "s";
        }
        if (seconds < 86400) {
            return seconds / 3600 + "h" + seconds % 3600 / 60 + "m";
        }
        return seconds / 86400 + "d" + seconds % 86400 / 3600 + "h";
    }
}
