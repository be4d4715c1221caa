import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Runs one {@code @FuzzTest} method through the JUnit Platform in this JVM, as Surefire would but without
 * Maven, so that several targets can fuzz at once without two builds writing the same {@code target/}
 * directories. Jazzer reads its options from system properties ({@code jazzer.*}) and {@code JAZZER_FUZZ}.
 *
 * <p>Usage (a single-file source program): {@code java -cp <test classpath> FuzzLauncher.java <class> <method>};
 * exit status 0 when the method passed, 1 when it failed (a finding) or was not found.
 */
public final class FuzzLauncher {
    public static void main(String[] args) throws ClassNotFoundException {
        Class<?> target = Class.forName(args[0], false, Thread.currentThread().getContextClassLoader());
        Method method = Arrays.stream(target.getDeclaredMethods()).filter(m -> m.getName().equals(args[1])).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no method " + args[1] + " in " + args[0]));
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectMethod(target, method))
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, summary);
        summary.getSummary().printTo(new java.io.PrintWriter(System.out, true));
        summary.getSummary().printFailuresTo(new java.io.PrintWriter(System.out, true), 40);
        long started = summary.getSummary().getTestsStartedCount();
        System.exit(started > 0 && summary.getSummary().getTotalFailureCount() == 0 ? 0 : 1);
    }
}
