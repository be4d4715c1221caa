/**
 * IP addresses and prefixes: the one {@link dev.viaduct.sys.net.IpPrefix} type every module uses for routes,
 * pools, blocks, interface addresses and BGP NLRI, and {@link dev.viaduct.sys.net.IpAddresses}, the one place
 * address text is parsed (literals only, never a DNS lookup) and printed (RFC 5952). Pure values, no I/O.
 */
package dev.viaduct.sys.net;
