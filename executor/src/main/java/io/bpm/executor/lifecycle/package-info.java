/**
 * Stopping a running job: {@link io.bpm.executor.lifecycle.Stopper} signals the recorded init
 * through a pidfd (so a pid reused since it was recorded is never hit), waits for it to exit,
 * escalates to SIGQUIT and then SIGKILL of everything left in the job's cgroup, and reaps the
 * init when it is this process's child.
 */
package io.bpm.executor.lifecycle;
