package dev.viaduct.policy.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Input that the API server would reject, with every error found. The message is the API server's
 * ({@code NetworkPolicy.networking.k8s.io "deny" is invalid: [spec.x: ..., spec.y: ...]}), one line per
 * object when the input held several.
 */
public final class PolicyValidationException extends Exception {
    /** The errors of one object of the input. */
    public record ObjectErrors(String where, String kind, String name, List<FieldError> errors) {
        public ObjectErrors {
            errors = List.copyOf(errors);
        }

        /** The API server's StatusError text for this object. */
        public String message() {
            String body = errors.size() == 1 ? errors.getFirst().toString()
                    : errors.stream().map(FieldError::toString).collect(Collectors.joining(", ", "[", "]"));
            return (where.isEmpty() ? "" : where + ": ") + kind + " " + FieldError.quote(name) + " is invalid: " + body;
        }
    }

    private final List<ObjectErrors> objects;

    public PolicyValidationException(List<ObjectErrors> objects) {
        super(objects.stream().map(ObjectErrors::message).collect(Collectors.joining("\n")));
        this.objects = List.copyOf(objects);
    }

    public List<ObjectErrors> objects() {
        return objects;
    }

    /** Every field error, in input order. */
    public List<FieldError> errors() {
        return objects.stream().flatMap(o -> o.errors().stream()).toList();
    }
}
