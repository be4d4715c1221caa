/** The agent's use of viaduct-ipam: assignment for CNI ADD with IPAM failures mapped to CNI error codes. */
package dev.viaduct.agent.ipam;
