package io.bpm.executor.plan;

/**
 * The first lines of every plan: what it is and where it came from.
 *
 * @param format       the plan format version; a reader refuses any other
 * @param compiler     the version of the compiler that wrote it (part of the cache key)
 * @param sourceSha256 lowercase hex SHA-256 of the bpm.yml bytes it was compiled from
 * @param job          the job name
 * @param process      the process name
 */
public record Header(int format, String compiler, String sourceSha256, String job, String process) {
    public static final int FORMAT = 1;
}
