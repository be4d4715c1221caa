/**
 * Shared test fixtures. Tests that touch the kernel run in throw-away network namespaces named with a
 * per-JVM unique prefix ({@link dev.viaduct.testsupport.UniqueNames}); {@link dev.viaduct.testsupport.Netns}
 * removes every namespace it created when the test ends, when it throws, and on JVM exit, and sweeps
 * namespaces left by JVMs that were killed. {@link dev.viaduct.testsupport.Poll} replaces sleeps: every wait
 * has a condition and a deadline, and a timeout says what was being waited for and what was last seen.
 */
package dev.viaduct.testsupport;
