/**
 * A job's lifecycle, start and stop side by side: {@link io.bpm.executor.lifecycle.Starter} is
 * {@code bpm start} (lock, state, stale and unrecorded instances, the plan from the cache or,
 * through a {@link io.bpm.executor.lifecycle.PlanSupplier}, from the compiler, launch, state and
 * pid file, undo on failure), on the paths of one
 * {@link io.bpm.executor.lifecycle.JobProcess}; {@link io.bpm.executor.lifecycle.Stopper#stopJob}
 * is {@code bpm stop}, and {@link io.bpm.executor.lifecycle.UpgradeInPlace} what both do about a
 * job bpm 1.x started. The CLI only reads arguments and prints.
 *
 * <p>Stopping a running job: {@link io.bpm.executor.lifecycle.Stopper} signals the recorded init
 * through a pidfd (so a pid reused since it was recorded is never hit), waits for it to exit,
 * escalates to SIGQUIT and then SIGKILL of everything left in the job's cgroup, and reaps the
 * init when it is this process's child. {@link io.bpm.executor.lifecycle.Foreground} is
 * {@code bpm run}'s copy of the job's output and its signal forwarding;
 * {@link io.bpm.executor.lifecycle.LogTail} is {@code bpm logs} (tail -n, and -f across
 * truncation and rotation); {@link io.bpm.executor.lifecycle.Tracer} runs strace for
 * {@code bpm trace}.
 */
package io.bpm.executor.lifecycle;
