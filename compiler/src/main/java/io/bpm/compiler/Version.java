package io.bpm.compiler;

/**
 * The compiler's version: part of every plan header and plan-cache key. A constant, not read
 * from the jar: opening a jar resource costs about 10 ms of URL and jar-connection set-up in the
 * JVM of one {@code bpm start}, on every start. {@code VersionTest} checks it against the
 * project's version, which the build stamps into {@code version.properties}.
 */
public final class Version {
    private static final String VALUE = "0.1.0";

    private Version() {
    }

    public static String get() {
        return VALUE;
    }
}
