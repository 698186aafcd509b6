/**
 * Launching a process from its plan: the bound plan lowered to a syscall tape and run by the
 * launch stub (ARCHITECTURE.md, "The executor and the kernel").
 *
 * <ul>
 *   <li>{@link io.bpm.executor.launch.LaunchPlan} does a whole launch: verify, bind, host
 *       preparation (with {@link io.bpm.executor.launch.SysMounter} for shared volumes),
 *       pre-start hook, cgroup, descriptors, tape, {@link io.bpm.executor.sys.Launcher}; it
 *       undoes its own work when a step fails and reports the step, syscall and errno
 *       ({@link io.bpm.executor.launch.LaunchFailure}).</li>
 *   <li>{@link io.bpm.executor.launch.TapeBuilder} lowers a bound plan to the tape; its class
 *       comment gives the order of the tape and the reasons for it.</li>
 *   <li>{@link io.bpm.executor.launch.EnterJob} starts a program inside a running job
 *       ({@code bpm shell}): its namespaces (the PID namespace through the launching thread's
 *       pid_for_children), cgroup, limits and credentials, from the plan its start saved.</li>
 *   <li>{@link io.bpm.executor.launch.HostView} is what tape building asks of the host (the
 *       tape cannot branch, so existence and kinds of paths, limits and capabilities are
 *       decided in Java beforehand).</li>
 *   <li>{@link io.bpm.executor.launch.SeccompFilter} is the hook for the seccomp compiler.</li>
 * </ul>
 */
package io.bpm.executor.launch;
