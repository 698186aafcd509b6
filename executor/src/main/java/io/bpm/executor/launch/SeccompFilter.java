package io.bpm.executor.launch;

import io.bpm.executor.plan.Step;

/**
 * Where the seccomp program comes from: the hook between the plan's {@code seccomp PROFILE
 * VERSION} step and the classic-BPF program the tape loads as its last entry before execve.
 * The BPF compiler (package {@code io.bpm.executor.seccomp}) implements it; tests pass small
 * hand-written filters.
 *
 * <p>The program is one {@code struct sock_filter} per long, as {@link io.bpm.executor.sys.Tape#bpfStmt}
 * and {@link io.bpm.executor.sys.Tape#bpfJump} encode it. It is loaded with
 * {@code seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)} after no_new_privs, immediately before the
 * final {@code execve}, so it only has to allow {@code execve} itself for the launch to finish
 * (the tape's own signal, fd and chdir entries run before it).
 */
@FunctionalInterface
public interface SeccompFilter {

    /**
     * The program for this profile and version.
     *
     * @throws IllegalArgumentException if the profile or version is unknown
     */
    long[] program(Step.Seccomp step);
}
