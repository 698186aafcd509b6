package io.bpm.compiler.plan;

import io.bpm.compiler.Version;
import java.util.Objects;

/**
 * What lowering needs besides the config: which job the bpm.yml belongs to (bpm takes it from
 * the command line, never from the file), the compiler version stamped into the plan header,
 * and the init program that wraps every process.
 *
 * @param job             the job name (a single path component)
 * @param compilerVersion written to the plan header; part of the plan cache key
 * @param init            the init's path in the job's view ({@link #DEFAULT_INIT}: bpm's tini)
 */
public record LowerOptions(String job, String compilerVersion, String init) {
    /** The init bpm ships and runs as PID 1 of every container (bpm-behaviour.md §4.2). */
    public static final String DEFAULT_INIT = "/var/vcap/packages/bpm/bin/tini";

    public LowerOptions {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(compilerVersion, "compilerVersion");
        Objects.requireNonNull(init, "init");
    }

    /** This compiler's version and bpm's tini, for job {@code job}. */
    public static LowerOptions of(String job) {
        return new LowerOptions(job, Version.get(), DEFAULT_INIT);
    }
}
