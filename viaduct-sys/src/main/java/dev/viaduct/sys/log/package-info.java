/**
 * Structured log events over the JDK's {@link java.lang.System.Logger}: {@link dev.viaduct.sys.log.Log} logs an
 * event with its fields as key-value pairs; the fields travel to the log handler as a
 * {@link dev.viaduct.sys.log.LogFields} parameter, so the line formatter (logfmt or JSON, in viaduct-cli) writes
 * them as fields instead of recovering them from message text. No I/O here beyond the logger call.
 */
package dev.viaduct.sys.log;
