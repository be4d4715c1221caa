package dev.viaduct.policy.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One validation error in the API server's form (apimachinery {@code field.Error}):
 * {@code <path>: <type>[: <value>][: <detail>]}, e.g. {@code spec.policyTypes[0]: Unsupported value: "Foo":
 * supported values: "Ingress", "Egress"}.
 *
 * @param value the offending value (String, Integer, Long, Boolean, or a preformatted {@link Raw}), or null
 *              for types that print none
 */
public record FieldError(Type type, String path, Object value, String detail) {
    /** field.ErrorType, with the text the API server prints. */
    public enum Type {
        REQUIRED("Required value"),
        INVALID("Invalid value"),
        NOT_SUPPORTED("Unsupported value"),
        FORBIDDEN("Forbidden"),
        /** Strict decoding: a field the schema does not have. */
        UNKNOWN_FIELD("unknown field");

        private final String text;

        Type(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** A value printed as given (Go's {@code %#v} of a slice, say). */
    public record Raw(String text) {
    }

    public static FieldError required(String path, String detail) {
        return new FieldError(Type.REQUIRED, path, null, detail);
    }

    public static FieldError invalid(String path, Object value, String detail) {
        return new FieldError(Type.INVALID, path, value, detail);
    }

    public static FieldError forbidden(String path, String detail) {
        return new FieldError(Type.FORBIDDEN, path, null, detail);
    }

    public static FieldError notSupported(String path, Object value, List<String> supported) {
        return new FieldError(Type.NOT_SUPPORTED, path, value,
                "supported values: " + supported.stream().map(FieldError::quote).collect(Collectors.joining(", ")));
    }

    public static FieldError unknownField(String path) {
        return new FieldError(Type.UNKNOWN_FIELD, path, null, "");
    }

    @Override
    public String toString() {
        if (type == Type.UNKNOWN_FIELD) {
            return "unknown field " + quote(path);
        }
        StringBuilder sb = new StringBuilder(path).append(": ").append(type.text());
        if (type == Type.INVALID || type == Type.NOT_SUPPORTED) {
            sb.append(": ").append(format(value));
        }
        if (detail != null && !detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }

    private static String format(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> quote(s);
            case Raw r -> r.text();
            default -> String.valueOf(v);
        };
    }

    /** Go's {@code %q}: double quotes, backslash escapes. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
