package dev.viaduct.ipam;

/** A value with the mod_revision it was read (or written) at: what a write compares to detect a lost race. */
record Versioned<T>(T value, long revision) {
}
