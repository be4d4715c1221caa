/**
 * The host-gw route source (Flannel's host-gw idea on Calico's block IPAM): every remote node's blocks are
 * routed via that node's address on the shared L2 segment. Peers that are not on-link are reported, never
 * silently given a route that cannot work.
 */
package dev.viaduct.agent.hostgw;
