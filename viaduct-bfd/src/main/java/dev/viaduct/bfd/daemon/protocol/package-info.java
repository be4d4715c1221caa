/**
 * The bfdd line protocol, shared by the daemon and its client: one JSON object per line on a root-only unix
 * socket. {@link dev.viaduct.bfd.daemon.protocol.BfddMessage} (sealed requests and replies, records),
 * {@link dev.viaduct.bfd.daemon.protocol.BfddCodec} (pure: one message to one line and back, every field checked
 * and named on error) and {@link dev.viaduct.bfd.daemon.protocol.BfddLines} (framing on a stream, bounded lines).
 *
 * <p>{@code Hello} → {@code Welcome} (daemon pid, network namespace, start time, every session with its
 * {@code pathDown} flag); {@code SetSessions} (the complete wanted set) → {@code Status}; {@code GetStatus} →
 * {@code Status}; {@code Shutdown}; and {@code Event}s pushed on every state change. After a reconnection the
 * client sends its set again and takes the Welcome's states as the truth, so a restarted agent knows at once which
 * peers are path-down.
 */
package dev.viaduct.bfd.daemon.protocol;
