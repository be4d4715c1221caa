/**
 * Reading a daemon's configuration file (YAML or JSON) into records: {@link dev.viaduct.ops.config.ConfigNode}
 * names the offending field in every error, refuses unknown keys, and lets {@code VIADUCT_*} environment
 * variables override any setting.
 */
package dev.viaduct.ops.config;
