/**
 * rtnetlink for the Viaduct agent, on the FFM API, without shelling out.
 *
 * <p>Entry points: {@link dev.viaduct.netlink.NetNamespace} (open, create or delete a namespace, run code in
 * it) → {@link dev.viaduct.netlink.Rtnl} (a socket in that namespace: links, addresses, routes, neighbours,
 * batches) and {@link dev.viaduct.netlink.NetlinkEvents} (typed notifications); {@link dev.viaduct.netlink.Sysctl}
 * for /proc/sys/net inside a namespace. Values are immutable records ({@link dev.viaduct.netlink.Link},
 * {@link dev.viaduct.netlink.Address}, {@link dev.viaduct.netlink.Route}, {@link dev.viaduct.netlink.Neighbour});
 * changes are {@link dev.viaduct.netlink.Request}s; failures are {@link dev.viaduct.netlink.NetlinkException}s
 * that name the request in {@code ip} syntax.
 *
 * <p>Data flow: a request record → {@code RequestEncoder} (pure, with the per-object codecs
 * {@code LinkCodec}, {@code AddressCodec}, {@code RouteCodec}, {@code NeighbourCodec}, driven by the attribute
 * tables in {@code Tables}) → bytes in a {@link dev.viaduct.netlink.codec.MessageWriter} → one
 * {@code sendmsg} on a {@link dev.viaduct.netlink.ffm.NetlinkSocket} → replies decoded by
 * {@link dev.viaduct.netlink.codec.NetlinkMessage} and the same codecs back into records.
 *
 * <p>Threads: {@code Rtnl} is guarded by a lock and usable from virtual threads; everything that needs
 * {@code setns} happens on dedicated platform threads ({@code NamespaceSwitcher}, {@link
 * dev.viaduct.netlink.NetNamespace#run}); event readers have their own platform thread.
 */
package dev.viaduct.netlink;
