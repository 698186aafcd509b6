/**
 * The executor's host side, before and after the sandbox: everything {@code bpm start},
 * {@code stop} and {@code run} do to the host with plain Java (NIO, /proc), no FFM (but for
 * the feature probes, below).
 *
 * <ul>
 *   <li>{@link io.bpm.executor.host.Binding} turns a verified plan and the
 *       {@link io.bpm.executor.plan.HostFacts} into a {@link io.bpm.executor.host.BoundPlan}:
 *       what will really be done on this host.</li>
 *   <li>{@link io.bpm.executor.host.LifecycleLock} serialises start, stop and run of a process.</li>
 *   <li>{@link io.bpm.executor.host.HostPreparation} makes the job's directories, volumes,
 *       shared mounts (through {@link io.bpm.executor.host.Mounter}) and log files, never
 *       following a symlink a job could have planted ({@code SafeDirs}).</li>
 *   <li>{@link io.bpm.executor.host.Cgroups} reads the host's cgroup layout;
 *       {@link io.bpm.executor.host.JobCgroup} creates, limits, lists, kills and removes a
 *       job's cgroup.</li>
 *   <li>{@link io.bpm.executor.host.StateStore} keeps the plan and the init's
 *       {@link io.bpm.executor.host.ProcessIdentity} for stop, and writes the pid file;
 *       {@link io.bpm.executor.host.JobStatus} reads it as running, failed or stopped for
 *       list, pid, shell and trace.</li>
 *   <li>{@link io.bpm.executor.host.HostFeatures} is {@code bpm features}: the cgroup layout
 *       and facts above, and three harmless syscall probes (the one use of FFM here).</li>
 * </ul>
 *
 * <p>The order a start uses them in: lock, read state (stale? {@code isOurs}), bind, prepare
 * the host, pre-start hook, cgroup create and apply, launch (the sys layer: the child joins the
 * cgroup through {@code openProcs()} and dup2s the log channels), save plan and state, pid file.
 * Stop: lock, read plan and state, signal the init if it is still ours, kill what is left in the
 * cgroup, remove cgroup, pid file and state.
 */
package io.bpm.executor.host;
