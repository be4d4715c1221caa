/**
 * The CNI specification's side of a call, as the agent answers it: {@link dev.viaduct.cni.spec.CniRequestParser}
 * validates the environment and network configuration (1.1.0, also 1.0.0 and 0.4.0) into a
 * {@link dev.viaduct.cni.spec.CniRequest}; {@link dev.viaduct.cni.spec.CniResults} writes the result or error
 * object in the version the runtime asked for; {@link dev.viaduct.cni.spec.CniErrorCode} holds the spec's
 * well-known codes. Pure: no sockets, no kernel. The agent's {@code CniHandler} carries the calls out.
 */
package dev.viaduct.cni.spec;
