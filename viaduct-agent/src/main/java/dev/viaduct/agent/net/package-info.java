/** Small address value types the agent's features share (prefixes, MACs). Pure values, no I/O. */
package dev.viaduct.agent.net;
