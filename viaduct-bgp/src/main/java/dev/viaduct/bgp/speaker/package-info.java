/**
 * The speaker: {@link dev.viaduct.bgp.speaker.BgpSpeaker} (the public entry point), its configuration
 * records, peer status, and the {@link dev.viaduct.bgp.speaker.Transport} seam for TCP. Data flow: the
 * accept thread hands connections to {@code PeerSession}s by remote address; each session's reader (a thread
 * while bytes are there, started again by the transport's readiness) decodes messages, feeds its FSM ({@link dev.viaduct.bgp.fsm.Fsm}) under the peer lock (with a second connection open,
 * {@link dev.viaduct.bgp.fsm.CollisionResolver} says which one stays), converts UPDATEs and posts
 * them to the RIB thread ({@code RibOwner}), which updates the {@link dev.viaduct.bgp.rib.Rib}, writes
 * packed UPDATEs to the peers' writer queues ({@code Outbox}: a writer thread runs only while one has bytes; a
 * peer whose socket takes no more is owed prefixes, sent when it is writable again) and
 * delivers best-path changes to subscribers. FSM timers fire from passes scheduled per peer on one JVM-wide
 * scheduler thread. {@link dev.viaduct.bgp.speaker.JitWarmup} runs the UPDATE path on synthetic routes before the
 * JVM's first speaker; it leaves JVM-wide settings and collections to the embedding binary.
 */
package dev.viaduct.bgp.speaker;
