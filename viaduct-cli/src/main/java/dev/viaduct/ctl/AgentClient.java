package dev.viaduct.ctl;

import java.net.URI;

/**
 * How {@code viaduct ctl} asks an agent for its {@code /status}. Implemented over HTTP by
 * {@link HttpAgentClient}; tests answer with hand-made status documents.
 */
@FunctionalInterface
public interface AgentClient {
    /**
     * The status of the agent at {@code base} (e.g. {@code http://10.168.0.11:9099}).
     *
     * @throws CtlException {@link CtlException#UNREACHABLE} when the agent does not answer, answers with an HTTP
     *                      error, or answers something that is not a status document
     */
    AgentStatus status(URI base);
}
