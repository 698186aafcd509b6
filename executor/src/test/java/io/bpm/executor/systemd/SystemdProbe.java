package io.bpm.executor.systemd;

import io.bpm.executor.sys.Sys;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The D-Bus client against a real systemd (PID 1, cgroup v2), run as root in the test VM by
 * {@code executor/src/test/vm/systemd-probe}: a transient scope with limits is created around a
 * process, checked through systemd and cgroupfs, refused a second time, stopped and gone; missing
 * units are not errors; a scope with no PID or a PID that is gone is refused; an OOM kill ends the scope (failed with systemd 253+, whose scopes have
 * OOMPolicy=); a scope whose stop timed out is failed, and ResetFailedUnit unloads it. Prints one
 * PASS or FAIL line per check and exits 1 if any failed.
 *
 * <p>{@code SystemdProbe bench} instead times connect + StartTransientUnit-and-wait +
 * StopUnit-and-wait in this fresh JVM and counts the classes that loaded for it.
 */
public final class SystemdProbe {
    static final String SCOPE = "bpm-probe-test.scope";
    static final String OOM_SCOPE = "bpm-probe-oom.scope";
    static final String STUCK_SCOPE = "bpm-probe-stuck.scope";
    static final String EMPTY_SCOPE = "bpm-probe-empty.scope";
    static final String BENCH_SCOPE = "bpm-probe-bench.scope";
    static final Duration JOB = Duration.ofSeconds(60);
    static final long MEMORY_MAX = 64L << 20;
    static final long TASKS_MAX = 32;
    static final Path CGROUP = Path.of("/sys/fs/cgroup/system.slice", SCOPE);

    private int failures;

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("bench")) {
            bench();
            return;
        }
        SystemdProbe probe = new SystemdProbe();
        try {
            probe.run();
        } catch (Exception e) {
            probe.check(false, "the probe ran to its end", e.toString());
            e.printStackTrace();
        }
        System.out.println(probe.failures == 0 ? "systemd probe: all checks passed" : "systemd probe: " + probe.failures + " FAILED");
        System.exit(probe.failures == 0 ? 0 : 1);
    }

    static List<Systemd.Property> limits(long pid, String description, long memoryMax) {
        return List.of(
                Systemd.Property.string("Slice", "system.slice"),
                Systemd.Property.uint32Array("PIDs", (int) pid),
                Systemd.Property.bool("Delegate", true),
                Systemd.Property.uint64("MemoryMax", memoryMax),
                Systemd.Property.uint64("MemorySwapMax", 0),
                Systemd.Property.uint64("TasksMax", TASKS_MAX),
                Systemd.Property.string("Description", description));
    }

    private void run() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "1000").start();
        Process hog = null, stuck = null;
        try (Systemd systemd = Systemd.connect()) {
            long pid = sleep.pid();
            String result = systemd.startTransientUnit(SCOPE, "fail", limits(pid, "bpm probe " + pid, MEMORY_MAX), JOB);
            check(result.equals("done"), "StartTransientUnit " + SCOPE + " ends with job result done", result);

            Optional<Systemd.UnitState> state = systemd.unit(SCOPE);
            check(state.isPresent() && state.get().activeState().equals("active") && state.get().subState().equals("running")
                    && state.get().result().equals("success")
                    && state.get().controlGroup().equals("/system.slice/" + SCOPE),
                    "unit() shows it active/running, result success, in /system.slice/" + SCOPE, state.toString());
            check(systemd.uint64Property(SCOPE, "org.freedesktop.systemd1.Scope", "MemoryMax") == MEMORY_MAX
                    && systemd.uint64Property(SCOPE, "org.freedesktop.systemd1.Scope", "TasksMax") == TASKS_MAX
                    && systemd.uint64Property(SCOPE, "org.freedesktop.systemd1.Scope", "MemorySwapMax") == 0,
                    "uint64Property: MemoryMax, TasksMax, MemorySwapMax as set", "");
            check(read(CGROUP.resolve("memory.max")).equals(Long.toString(MEMORY_MAX)),
                    "cgroupfs memory.max is " + MEMORY_MAX, read(CGROUP.resolve("memory.max")));
            check(read(CGROUP.resolve("pids.max")).equals(Long.toString(TASKS_MAX)),
                    "cgroupfs pids.max is " + TASKS_MAX, read(CGROUP.resolve("pids.max")));
            if (Files.exists(CGROUP.resolve("memory.swap.max"))) {
                check(read(CGROUP.resolve("memory.swap.max")).equals("0"), "cgroupfs memory.swap.max is 0",
                        read(CGROUP.resolve("memory.swap.max")));
            } else {
                System.out.println("SKIP cgroupfs memory.swap.max: the kernel has no swap accounting here");
            }
            check(read(CGROUP.resolve("cgroup.procs")).equals(Long.toString(pid)),
                    "cgroupfs cgroup.procs holds the sleep (" + pid + ") alone", read(CGROUP.resolve("cgroup.procs")));
            check(read(Path.of("/proc", Long.toString(pid), "cgroup")).equals("0::/system.slice/" + SCOPE),
                    "/proc/PID/cgroup names the scope", read(Path.of("/proc", Long.toString(pid), "cgroup")));
            String show = command("systemctl", "show", SCOPE, "-p", "MemoryMax", "-p", "TasksMax", "-p", "ControlGroup",
                    "-p", "Delegate", "-p", "MemorySwapMax", "-p", "Description", "-p", "Slice");
            check(show.contains("MemoryMax=" + MEMORY_MAX) && show.contains("TasksMax=" + TASKS_MAX)
                    && show.contains("ControlGroup=/system.slice/" + SCOPE) && show.contains("Delegate=yes")
                    && show.contains("MemorySwapMax=0") && show.contains("Description=bpm probe " + pid)
                    && show.contains("Slice=system.slice"),
                    "systemctl show agrees", show.replace('\n', ' '));

            try {
                String again = systemd.startTransientUnit(SCOPE, "fail", limits(pid, "again", MEMORY_MAX), JOB);
                check(false, "a second StartTransientUnit of the same name is refused", "it returned " + again);
            } catch (DBusError e) {
                check(e.name().equals("org.freedesktop.systemd1.UnitExists"),
                        "a second StartTransientUnit of the same name is refused with UnitExists", e.getMessage());
            }

            Optional<String> stopped = systemd.stopUnit(SCOPE, "replace", JOB);
            check(stopped.equals(Optional.of("done")), "StopUnit ends with job result done", stopped.toString());
            check(sleep.waitFor(10, TimeUnit.SECONDS), "the scope's process was killed by the stop", "");
            Optional<Systemd.UnitState> after = awaitUnloaded(systemd, SCOPE);
            check(after.isEmpty(), "the stopped scope is unloaded (GetUnit: NoSuchUnit)", after.toString());
            check(!Files.exists(CGROUP), "its cgroup " + CGROUP + " is gone", "");

            Optional<String> none = systemd.stopUnit("bpm-probe-missing.scope", "replace", JOB);
            check(none.isEmpty(), "StopUnit of a missing unit is empty", none.toString());
            systemd.resetFailedUnit("bpm-probe-missing.scope");
            check(true, "ResetFailedUnit of a missing unit is no error", "");
            check(systemd.unit("bpm-probe-missing.scope").isEmpty(), "unit() of a missing unit is empty", "");

            // a scope with no process is refused by the call itself, and nothing stays loaded
            try {
                String r = systemd.startTransientUnit(EMPTY_SCOPE, "fail", List.of(
                        Systemd.Property.string("Slice", "system.slice"), Systemd.Property.string("Description", "empty")), JOB);
                check(false, "a scope with no PIDs is refused", "job result " + r);
            } catch (DBusError e) {
                check(awaitUnloaded(systemd, EMPTY_SCOPE).isEmpty(),
                        "a scope with no PIDs is refused (" + e.name() + ") and not loaded", e.getMessage());
            }
            // a PID that is gone is refused by the call itself
            Process exited = new ProcessBuilder("true").start();
            exited.waitFor();
            try {
                String r = systemd.startTransientUnit(EMPTY_SCOPE, "fail", limits(exited.pid(), "gone", MEMORY_MAX), JOB);
                check(false, "a scope around a PID that is gone is refused", "job result " + r);
            } catch (DBusError e) {
                check(systemd.unit(EMPTY_SCOPE).isEmpty(), "a scope around a PID that is gone is refused ("
                        + e.name() + ") and not loaded", e.getMessage());
            }

            // a process that waits on stdin until it is in the scope, then allocates 4x MemoryMax
            hog = new ProcessBuilder("bash", "-c", "read go; exec dd if=/dev/zero of=/dev/null bs=128M count=1")
                    .redirectErrorStream(true).start();
            String oom = systemd.startTransientUnit(OOM_SCOPE, "fail", limits(hog.pid(), "bpm probe oom", 32L << 20), JOB);
            check(oom.equals("done"), "StartTransientUnit " + OOM_SCOPE + " ends with done", oom);
            // OOMPolicy= for scopes came with systemd 253 (Noble has 255): before it, an OOM kill
            // is only logged and the emptied scope ends "successfully" and is unloaded
            String oomPolicy = command("systemctl", "show", "-p", "OOMPolicy", "--value", OOM_SCOPE);
            hog.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
            hog.getOutputStream().flush();
            check(hog.waitFor(60, TimeUnit.SECONDS) && hog.exitValue() == 128 + 9,
                    "the allocation past MemoryMax was SIGKILLed", "exit " + (hog.isAlive() ? "none yet" : hog.exitValue()));
            if (oomPolicy.isEmpty() || oomPolicy.equals("continue")) {
                Optional<Systemd.UnitState> gone = awaitUnloaded(systemd, OOM_SCOPE);
                String journal = command("journalctl", "--no-pager", "-o", "cat", "-u", OOM_SCOPE);
                check(gone.isEmpty() && journal.contains("killed by the OOM killer"),
                        "without a scope OOMPolicy (" + command("systemctl", "--version").lines().findFirst().orElse("")
                        + "), systemd logs the OOM kill and unloads the emptied scope", gone + " " + journal);
            } else {
                Optional<Systemd.UnitState> failed = awaitState(systemd, OOM_SCOPE, "failed");
                check(failed.isPresent() && failed.get().activeState().equals("failed")
                        && failed.get().result().equals("oom-kill"),
                        "with OOMPolicy=" + oomPolicy + " the OOM-killed scope is failed, result oom-kill", failed.toString());
                systemd.resetFailedUnit(OOM_SCOPE);
                Optional<Systemd.UnitState> reset = awaitUnloaded(systemd, OOM_SCOPE);
                check(reset.isEmpty(), "ResetFailedUnit unloads the OOM-failed scope", reset.toString());
            }
            check(!Files.exists(Path.of("/sys/fs/cgroup/system.slice", OOM_SCOPE)), "the OOM-killed scope's cgroup is gone", "");

            // a scope whose process ignores SIGTERM fails its stop by timeout (then SIGKILL): failed
            stuck = new ProcessBuilder("bash", "-c", "trap '' TERM; echo ready; exec sleep 1000").start();
            // only once the trap is set: a stop before it would just end the scope successfully
            check(new String(stuck.getInputStream().readNBytes(6), StandardCharsets.US_ASCII).equals("ready\n"),
                    "the process that ignores SIGTERM is ready", "");
            List<Systemd.Property> stuckProps = new java.util.ArrayList<>(limits(stuck.pid(), "bpm probe stuck", MEMORY_MAX));
            stuckProps.add(Systemd.Property.uint64("TimeoutStopUSec", 500_000));
            check(systemd.startTransientUnit(STUCK_SCOPE, "fail", stuckProps, JOB).equals("done"),
                    "StartTransientUnit " + STUCK_SCOPE + " with TimeoutStopUSec=0.5s ends with done", "");
            Optional<String> stuckStop = systemd.stopUnit(STUCK_SCOPE, "replace", JOB);
            check(stuck.waitFor(10, TimeUnit.SECONDS), "StopUnit killed the process that ignores SIGTERM",
                    "stop job " + stuckStop);
            Optional<Systemd.UnitState> timedOut = awaitState(systemd, STUCK_SCOPE, "failed");
            check(timedOut.isPresent() && timedOut.get().activeState().equals("failed")
                    && timedOut.get().result().equals("timeout"),
                    "that scope is failed, result timeout (stop job: " + stuckStop.orElse("none") + ")",
                    timedOut + " " + command("journalctl", "--no-pager", "-o", "cat", "-u", STUCK_SCOPE).replace('\n', '|'));
            systemd.resetFailedUnit(STUCK_SCOPE);
            Optional<Systemd.UnitState> reset = awaitUnloaded(systemd, STUCK_SCOPE);
            check(reset.isEmpty(), "ResetFailedUnit unloads the failed scope", reset.toString());
            check(!Files.exists(Path.of("/sys/fs/cgroup/system.slice", STUCK_SCOPE)), "the failed scope's cgroup is gone", "");
        } finally {
            sleep.destroyForcibly();
            if (hog != null) hog.destroyForcibly();
            if (stuck != null) stuck.destroyForcibly();
            try (Systemd s = Systemd.connect()) {                 // leave nothing behind, whatever failed
                for (String unit : List.of(SCOPE, OOM_SCOPE, STUCK_SCOPE, EMPTY_SCOPE)) {
                    s.stopUnit(unit, "replace", JOB);
                    s.resetFailedUnit(unit);
                }
            }
        }
    }

    /** systemd unloads a unit in its next garbage collection: allow it a moment. */
    private static Optional<Systemd.UnitState> awaitUnloaded(Systemd systemd, String unit) throws Exception {
        Optional<Systemd.UnitState> s = systemd.unit(unit);
        for (int i = 0; i < 50 && s.isPresent(); i++) {
            Thread.sleep(100);
            s = systemd.unit(unit);
        }
        return s;
    }

    private static Optional<Systemd.UnitState> awaitState(Systemd systemd, String unit, String active) throws Exception {
        Optional<Systemd.UnitState> s = systemd.unit(unit);
        for (int i = 0; i < 100 && s.isPresent() && !s.get().activeState().equals(active); i++) {
            Thread.sleep(100);
            s = systemd.unit(unit);
        }
        return s;
    }

    private void check(boolean ok, String what, String detail) {
        if (ok) {
            System.out.println("PASS " + what);
        } else {
            failures++;
            System.out.println("FAIL " + what + (detail.isEmpty() ? "" : ": " + detail));
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p).strip() : "(missing " + p + ")";
    }

    private static String command(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.strip();
    }

    /** connect + StartTransientUnit-and-wait + StopUnit-and-wait, timed, with the classes it loaded. */
    private static void bench() throws Exception {
        var classes = ManagementFactory.getClassLoadingMXBean();
        Process sleep = new ProcessBuilder("sleep", "1000").start();
        try {
            long c0 = classes.getTotalLoadedClassCount();
            long t0 = System.nanoTime();
            Sys.geteuid();                                        // the syscall handle bpm has already made
            long t1 = System.nanoTime();
            long c1 = classes.getTotalLoadedClassCount();
            String start, stop;
            long t2, t3;
            try (Systemd systemd = Systemd.connect()) {
                t2 = System.nanoTime();
                start = systemd.startTransientUnit(BENCH_SCOPE, "fail", limits(sleep.pid(), "bpm bench", MEMORY_MAX), JOB);
                t3 = System.nanoTime();
                stop = systemd.stopUnit(BENCH_SCOPE, "replace", JOB).orElse("not loaded");
            }
            long t4 = System.nanoTime();
            long c2 = classes.getTotalLoadedClassCount();
            System.out.printf("bench ffm: syscall handle %d ms (%d classes); D-Bus connect %d ms, start+wait %d ms (%s), "
                            + "stop+wait %d ms (%s), connect+start+stop %d ms, %d classes loaded for it%n",
                    ms(t1 - t0), c1 - c0, ms(t2 - t1), ms(t3 - t2), start, ms(t4 - t3), stop, ms(t4 - t1), c2 - c1);
        } finally {
            sleep.destroyForcibly();
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
