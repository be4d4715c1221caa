package dev.viaduct.ops.config;

/** A configuration problem; the message starts with the file and the field path. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
