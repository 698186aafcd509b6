package io.bpm.compiler;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * A skipped test names itself and says why on the console (issue 14): surefire's summary only
 * counts them ("Skipped: 1") and keeps test output in files, so a test that skips for want of
 * root, tini or node looked like a pass. Loaded by the JUnit launcher (META-INF/services); writes
 * to the JVM's own standard error, which surefire shows.
 */
public final class SkippedTestsSayWhy implements TestExecutionListener {
    private static final PrintStream CONSOLE = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        say(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {   // an assumption that failed
            say(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private static void say(TestIdentifier test, String reason) {
        CONSOLE.println("SKIPPED " + name(test) + ": " + (reason == null ? "no reason given" : reason.replaceFirst("^Assumption failed: ", "")));
    }

    private static String name(TestIdentifier test) {
        TestSource source = test.getSource().orElse(null);
        if (source instanceof MethodSource m) return simple(m.getClassName()) + "." + m.getMethodName();
        if (source instanceof ClassSource c) return simple(c.getClassName());
        return test.getDisplayName();
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
