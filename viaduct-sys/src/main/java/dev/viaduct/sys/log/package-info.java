/**
 * The one log format of every Viaduct binary (agent, bfdd, lab): {@link dev.viaduct.sys.log.LogSetup} turns
 * {@link System.Logger} records of the form {@code "event words key={0}"} into one logfmt or JSON line each on
 * stderr. Only a binary's {@code main} installs it; libraries just log.
 */
package dev.viaduct.sys.log;
