/**
 * Stopping a running job: {@link io.bpm.executor.lifecycle.Stopper} signals the recorded init
 * through a pidfd (so a pid reused since it was recorded is never hit), waits for it to exit,
 * escalates to SIGQUIT and then SIGKILL of everything left in the job's cgroup, and reaps the
 * init when it is this process's child. {@link io.bpm.executor.lifecycle.Foreground} is
 * {@code bpm run}'s copy of the job's output and its signal forwarding;
 * {@link io.bpm.executor.lifecycle.LogTail} is {@code bpm logs} (tail -n, and -f across
 * truncation and rotation); {@link io.bpm.executor.lifecycle.Tracer} runs strace for
 * {@code bpm trace}.
 */
package io.bpm.executor.lifecycle;
