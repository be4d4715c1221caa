package dev.viaduct.store;

import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON values for the store (Jackson 3). Records map to objects by component name; unknown fields are
 * ignored so an older reader tolerates a newer writer. A value that does not decode is reported as
 * {@link StoreException.Reason#CORRUPT} naming the key and the type, never as a Jackson exception.
 *
 * <p>Decoding a plain record (strings, numbers, booleans, lists, maps, records) goes through
 * {@link RecordBinding} over a {@link JsonTrees} tree first, and to databind only when that is not certain of
 * the value (a malformed one, to be explained by databind's error): a short-lived command such as
 * {@code viaduct ctl} then never builds the mapper. The mapper is built on first use.
 */
public final class JsonCodec<T> {
    /** Built on first use (java.time support, date formats and locale data: tens of ms of a short command's start). */
    private static final class Mapper {
        static final JsonMapper MAPPER = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    private final Class<T> type;
    private final Optional<RecordBinding> binding;

    private JsonCodec(Class<T> type) {
        this.type = type;
        this.binding = RecordBinding.of(type);
    }

    /** A codec for {@code type}. */
    public static <T> JsonCodec<T> of(Class<T> type) {
        return new JsonCodec<>(type);
    }

    /** The shared mapper (thread-safe), for callers that need trees. */
    public static JsonMapper mapper() {
        return Mapper.MAPPER;
    }

    public byte[] encode(T value) {
        try {
            return Mapper.MAPPER.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new StoreException(StoreException.Reason.INTERNAL,
                    "cannot encode " + type.getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Decodes the value of {@code kv}. */
    public T decode(KeyValue kv) {
        return decode(kv.key(), kv.value());
    }

    /** Decodes {@code bytes} read from {@code key} (named in the error). */
    public T decode(String key, byte[] bytes) {
        if (binding.isPresent()) {
            try {
                return type.cast(binding.get().bind(JsonTrees.read(bytes)));
            } catch (Declined | JacksonException e) {
                // not certain, or not JSON: databind decodes it, or says precisely why it cannot
            }
        }
        try {
            T v = Mapper.MAPPER.readValue(bytes, type);
            if (v == null) {
                throw new StoreException(StoreException.Reason.CORRUPT,
                        "key " + key + ": JSON null where a " + type.getSimpleName() + " was expected");
            }
            return v;
        } catch (JacksonException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root instanceof IllegalArgumentException || root instanceof NullPointerException
                    ? root.getMessage() : e.getOriginalMessage();
            throw new StoreException(StoreException.Reason.CORRUPT,
                    "key " + key + ": not a valid " + type.getSimpleName() + ": " + why, e);
        }
    }
}
