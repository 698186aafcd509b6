package io.bpm.executor.host;

import io.bpm.executor.plan.ScopeName;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.sys.Launcher;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import io.bpm.executor.sys.Tape;
import io.bpm.executor.systemd.DBusError;
import io.bpm.executor.systemd.Systemd;
import io.bpm.executor.systemd.Systemd.Property;
import io.bpm.executor.systemd.Systemd.UnitState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The systemd cgroup driver: each job in a transient scope created over the system bus with
 * {@code org.freedesktop.systemd1.Manager.StartTransientUnit}, named and limited as bpm 1.4's
 * runc makes it ({@link ScopeName}; {@code monit-service-bpm-bpm-web.scope} in
 * {@code system.slice} when monit runs bpm on a Noble stemcell).
 *
 * <p>The launch's child runs under {@code CLONE_VFORK}, so bpm cannot talk to systemd while it
 * waits, and a scope must hold a process from its first moment. So the scope is made before the
 * launch, around a placeholder (a {@code sleep} that dies with bpm, {@code PR_SET_PDEATHSIG});
 * the launch's tape then joins the scope's cgroup like any cgroupfs path (the job is never
 * outside its limits), and the placeholder is killed. When the job's last process exits, systemd
 * stops the scope and removes its cgroup by itself; {@link #end} makes sure of it and resets a
 * failed one (an OOM kill leaves the scope loaded as failed), so nothing stays loaded.
 *
 * <p>Properties, as runc's systemd driver sets them for bpm 1.4: Description, Slice,
 * Delegate=yes, the four accountings, PIDs, DefaultDependencies=no, MemoryMax, MemorySwapMax
 * (when swap can be limited) and TasksMax. runc then writes the limits to cgroupfs as well;
 * so does this ({@link JobCgroup#apply}), which also proves they are in place.
 */
public final class SystemdScope implements CgroupDriver {

    /** How long systemd may take to start or stop a scope (its job), generous for slow VMs. */
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(30);

    private final Cgroups layout;
    private final String own;

    SystemdScope(Cgroups layout) {
        this.layout = layout;
        String path = layout.ownPath();
        this.own = path == null ? "/" : path;
    }

    /** The scope of a container, named from bpm's own cgroup. */
    public ScopeName name(String containerId) {
        return ScopeName.of(own, containerId);
    }

    @Override
    public String describe() {
        ScopeName n = name("CONTAINER-ID");
        return "systemd, a transient scope per job: " + n.unit() + " in " + n.slice();
    }

    @Override
    public JobCgroup locate(String containerId) {
        ScopeName n = name(containerId);
        return JobCgroup.scope(dir(n), n.unit());
    }

    private Path dir(ScopeName n) {
        return Cgroups.resolve(layout.unifiedMount(), n.cgroupPath());
    }

    @Override
    public Placement create(String containerId, String description, List<CgroupLimit> limits) throws IOException {
        ScopeName n = name(containerId);
        Placeholder holder = Placeholder.spawn();
        boolean started = false;
        try (Systemd bus = Systemd.connect()) {
            List<Property> props = properties(n, holder.pid, description, limits);
            String result;
            try {
                result = bus.startTransientUnit(n.unit(), "replace", props, JOB_TIMEOUT);
            } catch (DBusError e) {
                if (!e.name().equals("org.freedesktop.systemd1.UnitExists")) {
                    throw new IOException("systemd refused to create scope " + n.unit() + ": " + e.getMessage(), e);
                }
                // left by a crash, an OOM or a killed start that nothing records: clear it, then again
                clear(bus, n.unit(), dir(n), JOB_TIMEOUT);
                result = bus.startTransientUnit(n.unit(), "replace", props, JOB_TIMEOUT);
            }
            started = true;
            if (!result.equals("done")) {
                throw new IOException("systemd could not start scope " + n.unit() + ": its job ended \"" + result
                        + "\" (see journalctl -u " + n.unit() + ")");
            }
            // where systemd puts a scope; asked only if it is not there (five more round trips)
            Path dir = dir(n);
            if (!Files.isDirectory(dir)) {
                String group = bus.unit(n.unit()).map(UnitState::controlGroup).orElse("");
                dir = group.isEmpty() ? dir : Cgroups.resolve(layout.unifiedMount(), group);
                if (!Files.isDirectory(dir)) {
                    throw new IOException("systemd started scope " + n.unit() + " but its cgroup " + dir + " does not exist");
                }
            }
            JobCgroup cgroup = JobCgroup.scope(dir, n.unit());
            cgroup.apply(limits);
            Placeholder held = holder;
            return new Placement(cgroup, held::close);
        } catch (IOException | RuntimeException e) {
            holder.close();
            if (started) {
                try {
                    end(n.unit(), dir(n), JOB_TIMEOUT);
                } catch (IOException | RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
    }

    /** The scope's properties as {@code Name=value} lines, for a dry run (PIDs is the placeholder's, not known yet). */
    public List<String> describe(String containerId, String description, List<CgroupLimit> limits) {
        List<String> out = new ArrayList<>();
        for (Property p : properties(name(containerId), 0, description, limits)) {
            out.add(p.name() + "=" + (p.name().equals("PIDs") ? "[placeholder]"
                    : p.value() instanceof Boolean b ? (b ? "yes" : "no") : String.valueOf(p.value())));
        }
        return out;
    }

    /** runc's properties for a container's scope (libcontainer/cgroups/systemd), bpm 1.4's limits. */
    static List<Property> properties(ScopeName n, int pid, String description, List<CgroupLimit> limits) {
        List<Property> p = new ArrayList<>();
        p.add(Property.string("Description", description));
        p.add(Property.string("Slice", n.slice()));
        p.add(Property.bool("Delegate", true));
        p.add(Property.bool("MemoryAccounting", true));
        p.add(Property.bool("CPUAccounting", true));
        p.add(Property.bool("IOAccounting", true));
        p.add(Property.bool("TasksAccounting", true));
        p.add(Property.uint32Array("PIDs", pid));
        p.add(Property.bool("DefaultDependencies", false));
        Long memory = null;
        for (CgroupLimit l : limits) {
            switch (l.limit()) {
                case "memory" -> {
                    memory = l.value();
                    p.add(Property.uint64("MemoryMax", l.value()));
                }
                case "pids" -> p.add(Property.uint64("TasksMax", l.value()));
                case "memory+swap" -> { }
                default -> throw new IllegalArgumentException("unknown cgroup limit " + l.limit());
            }
        }
        for (CgroupLimit l : limits) {
            if (l.limit().equals("memory+swap")) {
                if (memory == null || l.value() < memory) {
                    throw new IllegalArgumentException("memory+swap " + l.value() + " needs a memory limit no larger than it");
                }
                p.add(Property.uint64("MemorySwapMax", l.value() - memory)); // swap alone, as runc converts it
            }
        }
        return p;
    }

    /**
     * Ends a job's scope: stops it if it is still loaded and not inactive (its processes are
     * normally gone by now, so the stop is quick), then resets it, so that neither an active nor
     * a failed unit stays loaded. A unit systemd has already unloaded is fine.
     */
    static void end(String unit, Path dir, Duration timeout) throws IOException {
        try (Systemd bus = Systemd.connect()) {
            clear(bus, unit, dir, timeout);
        }
    }

    /**
     * While the scope's cgroup exists: kill what is in it ourselves (a scope's stop would wait
     * its TimeoutStopSec for a process that ignores TERM), then stop the unit. Then reset it,
     * which unloads a failed one (a unit systemd has unloaded already is fine).
     */
    private static void clear(Systemd bus, String unit, Path dir, Duration timeout) throws IOException {
        if (Files.isDirectory(dir)) {
            JobCgroup.at(List.of(dir)).kill(timeout, JobCgroup.Killer.SIGKILL);
            bus.stopUnit(unit, "replace", timeout);
        }
        bus.resetFailedUnit(unit);
    }

    /** Whether systemd recorded the scope's end as an OOM kill (the scope is loaded, failed, result oom-kill). */
    static boolean endedByOom(String unit) {
        try (Systemd bus = Systemd.connect()) {
            return bus.unit(unit).map(s -> s.result().equals("oom-kill")).orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The process a scope is created around: {@code sleep}, started through the launch stub with
     * no new namespaces, no descriptors but 0-2, and SIGKILL when bpm dies, so that a start
     * killed at any point leaves no placeholder and the scope empties (systemd then removes it).
     */
    static final class Placeholder {
        private static final List<String> SLEEP = List.of("/usr/bin/sleep", "/bin/sleep");

        final int pid;
        private final int pidfd;
        private boolean closed;

        private Placeholder(int pid, int pidfd) {
            this.pid = pid;
            this.pidfd = pidfd;
        }

        static Placeholder spawn() throws IOException {
            String sleep = SLEEP.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                    .orElseThrow(() -> new IOException("no sleep program (" + String.join(", ", SLEEP)
                            + ") to hold the job's systemd scope until the job is in it"));
            try (Tape tape = new Tape()) {
                tape.namespaces(0).at("systemd scope placeholder");
                tape.prctl(Linux.PR_SET_PDEATHSIG, Linux.SIGKILL, 0, 0, 0);
                tape.closeRange(3);
                tape.execve(sleep, List.of("sleep", "3600"), List.of());
                Launcher.Launched l = Launcher.launch(tape);
                return new Placeholder(l.pid(), l.pidfd());
            } catch (SysException e) {
                throw new IOException("cannot start the placeholder of the job's systemd scope: " + e.getMessage(), e);
            }
        }

        /** Kills and reaps the placeholder; idempotent. */
        void close() {
            if (closed) {
                return;
            }
            closed = true;
            Sys.raw(Nr.PIDFD_SEND_SIGNAL, pidfd, Linux.SIGKILL, 0, 0);
            try {
                Sys.waitPidfd(pidfd);
            } catch (SysException e) {
                // already reaped
            } finally {
                Sys.raw(Nr.CLOSE, pidfd);
            }
        }
    }
}
