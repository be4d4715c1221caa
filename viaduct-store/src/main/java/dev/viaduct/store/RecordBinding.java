package dev.viaduct.store;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Binds a JSON tree to a plain record through its canonical constructor, for {@link JsonCodec}: what databind
 * would build for the values it is certain of, and "not mine" ({@link Declined}) for everything else, which the
 * codec then hands to databind, so every error (its message naming the field) stays databind's. Databind's
 * introspection of a record type and its deserialization context cost a short-lived command tens of milliseconds
 * of cold code per start; this costs a few reflective calls.
 *
 * <p>Plain records: components of type String, int, long, boolean (and their boxes), {@code List<T>},
 * {@code Map<String, T>} and plain records, no annotations anywhere. Certain: a string for a String, an integral
 * number that fits for an int or long, true/false for a boolean, an array for a list, an object for a map or a
 * record, JSON null (or absence) for a reference type; unknown fields are skipped (as the codec's mapper does).
 * Declined: anything databind would coerce or refuse (a number for a String, null or absence for a primitive,
 * a scalar for a list), and a constructor that throws.
 *
 * <p>Immutable after construction; thread-safe.
 */
final class RecordBinding {
    /**
     * How one component's JSON becomes its value. A method per kind rather than a pattern switch over them: a type
     * switch is bootstrapped at run time into a class of its own (the JDK's AOT cache keeps none), which costs a
     * short-lived command the JDK's class-file API set-up.
     */
    private sealed interface Kind {
        /** The value of {@code v} (null when absent or JSON null), or {@link Declined}. */
        Object value(JsonNode v);
    }

    private record Scalar(Class<?> type) implements Kind {
        @Override
        public Object value(JsonNode v) {
            if (v == null || v.isNull()) {
                if (type.isPrimitive()) {
                    throw Declined.INSTANCE;
                }
                return null;
            }
            return scalar(type, v);
        }
    }

    private record ListOf(Kind element) implements Kind {
        @Override
        public Object value(JsonNode v) {
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isArray()) {
                throw Declined.INSTANCE;
            }
            List<Object> out = new ArrayList<>(v.size());
            for (JsonNode e : v) {
                out.add(element.value(e));
            }
            return out;
        }
    }

    private record MapOf(Kind values) implements Kind {
        @Override
        public Object value(JsonNode v) {
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isObject()) {
                throw Declined.INSTANCE;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                out.put(e.getKey(), values.value(e.getValue()));
            }
            return out;
        }
    }

    private record Of(RecordBinding binding) implements Kind {
        @Override
        public Object value(JsonNode v) {
            return v == null || v.isNull() ? null : binding.bind(v);
        }
    }

    private final Constructor<?> constructor;
    private final String[] names;
    private final Kind[] kinds;

    private RecordBinding(Constructor<?> constructor, String[] names, Kind[] kinds) {
        this.constructor = constructor;
        this.names = names;
        this.kinds = kinds;
    }

    /** The binding of {@code type}, or empty when it is not a plain record (databind decodes it). */
    static Optional<RecordBinding> of(Class<?> type) {
        try {
            return Optional.of(binding(type, 0));
        } catch (Declined | ReflectiveOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    private static RecordBinding binding(Class<?> type, int depth) throws ReflectiveOperationException {
        if (!type.isRecord() || depth > 8 || type.getAnnotations().length > 0) {
            throw Declined.INSTANCE;
        }
        RecordComponent[] cs = type.getRecordComponents();
        String[] names = new String[cs.length];
        Kind[] kinds = new Kind[cs.length];
        Class<?>[] raw = new Class<?>[cs.length];
        for (int i = 0; i < cs.length; i++) {
            if (cs[i].getAnnotations().length > 0 || cs[i].getAccessor().getAnnotations().length > 0) {
                throw Declined.INSTANCE;
            }
            names[i] = cs[i].getName();
            kinds[i] = kind(cs[i].getGenericType(), depth);
            raw[i] = cs[i].getType();
        }
        Constructor<?> c = type.getDeclaredConstructor(raw);
        if (c.getAnnotations().length > 0) {
            throw Declined.INSTANCE;
        }
        for (Constructor<?> other : type.getDeclaredConstructors()) {
            if (other.getAnnotations().length > 0) {
                throw Declined.INSTANCE; // a @JsonCreator elsewhere: databind would use that one
            }
        }
        c.setAccessible(true);
        return new RecordBinding(c, names, kinds);
    }

    private static Kind kind(Type t, int depth) throws ReflectiveOperationException {
        if (t instanceof Class<?> c) {
            if (c == String.class || c == int.class || c == Integer.class || c == long.class || c == Long.class
                    || c == boolean.class || c == Boolean.class) {
                return new Scalar(c);
            }
            return new Of(binding(c, depth + 1));
        }
        if (t instanceof ParameterizedType p && p.getActualTypeArguments().length > 0) {
            Type[] args = p.getActualTypeArguments();
            if (p.getRawType() == List.class) {
                return new ListOf(kind(args[0], depth));
            }
            if (p.getRawType() == Map.class && args[0] == String.class) {
                return new MapOf(kind(args[1], depth));
            }
        }
        throw Declined.INSTANCE;
    }

    /** The record {@code tree} describes, or {@link Declined}. */
    Object bind(JsonNode tree) {
        if (!tree.isObject()) {
            throw Declined.INSTANCE;
        }
        Object[] args = new Object[names.length];
        for (int i = 0; i < names.length; i++) {
            args[i] = kinds[i].value(tree.get(names[i]));
        }
        try {
            return constructor.newInstance(args);
        } catch (InvocationTargetException | InstantiationException | IllegalAccessException | IllegalArgumentException e) {
            throw Declined.INSTANCE; // the constructor's own check: databind reports it in its words
        }
    }

    private static Object scalar(Class<?> type, JsonNode v) {
        if (type == String.class && v.isString()) {
            return v.asString();
        }
        if ((type == int.class || type == Integer.class) && v.isInt()) {
            return v.intValue();
        }
        if ((type == long.class || type == Long.class) && (v.isInt() || v.isLong())) {
            return v.longValue();
        }
        if ((type == boolean.class || type == Boolean.class) && v.isBoolean()) {
            return v.booleanValue();
        }
        throw Declined.INSTANCE;
    }
}
