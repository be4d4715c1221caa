package dev.viaduct.bgp.config;

/** A configuration file that cannot be used; the message names the field, e.g. {@code peers[2].asn: must be 1..4294967295}. */
public final class ConfigException extends Exception {
    private final String field;

    public ConfigException(String field, String problem) {
        super(field.isEmpty() ? problem : field + ": " + problem);
        this.field = field;
    }

    /** The path of the offending field ({@code peers[2].asn}), empty for the file as a whole. */
    public String field() {
        return field;
    }
}
