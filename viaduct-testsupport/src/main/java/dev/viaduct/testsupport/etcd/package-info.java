/**
 * A real etcd for tests: {@link dev.viaduct.testsupport.etcd.EtcdCluster} starts Debian's {@code etcd}
 * (one member or several) on loopback with free ports and a temporary data directory, lets a test stop,
 * kill and restart members and find the leader, and removes everything when the class ends, when the JVM
 * exits, or (for a JVM killed outright) on the next run. Checks go through {@code etcdctl}, never through
 * the code under test. It spawns processes only: no etcd client library here.
 */
package dev.viaduct.testsupport.etcd;
