package io.bpm.executor.host;

import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Step.CgroupLimit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.List;

/**
 * Who makes a job's cgroup, as runc keeps its cgroup managers apart. The host decides, exactly
 * as bpm 1.4 does (bpm-behaviour.md §4.11):
 * <ul>
 *   <li>{@link Cgroupfs} on cgroup v1 and hybrid hosts: a directory below bpm's own cgroup in
 *       the memory and pids hierarchies;</li>
 *   <li>{@link Cgroupfs} on a pure cgroup v2 host without systemd (bosh-lite in garden, a
 *       container): a directory below bpm's own cgroup, its controllers enabled in bpm's
 *       {@code cgroup.subtree_control};</li>
 *   <li>{@link SystemdScope} on a pure cgroup v2 host run by systemd ({@code /run/systemd/system}
 *       is a directory; the Noble stemcells): a transient scope per job over the system bus,
 *       because there bpm runs in monit's service cgroup, which holds monit itself and so can
 *       delegate no controller (cgroup v2's no-internal-processes rule), and systemd owns the
 *       tree anyway.</li>
 * </ul>
 * A v1 or hybrid host with systemd keeps the cgroupfs driver: its v1 hierarchies let bpm make
 * child cgroups anywhere, which has always worked there (bpm 1.4 asks runc's systemd driver
 * instead; the limits are the same).
 *
 * <p>The plan stays host-independent: its {@code cgroup} lines say which limits apply; binding
 * them to a driver is this host fact, shown by {@code --dry-run}, {@code bpm features} and
 * bpm.log.
 */
public sealed interface CgroupDriver permits CgroupDriver.Cgroupfs, SystemdScope {

    /** One line for features, dry runs and bpm.log, e.g. {@code cgroupfs v2 below /sys/fs/cgroup/x}. */
    String describe();

    /** Where the job's cgroup is (or would be) on this host; nothing is created. */
    JobCgroup locate(String containerId) throws IOException;

    /**
     * Makes the job's cgroup with its limits, ready for the launch to join. A leftover of the
     * same name from an earlier instance that nothing records (a crash, an OOM, a killed start)
     * is cleared first, processes and all. The caller closes the placement once the job's init
     * is in the cgroup (or the launch failed), then owns {@link Placement#cgroup()}.
     *
     * @param description who the cgroup is for, e.g. {@code bpm web/web}
     */
    Placement create(String containerId, String description, List<CgroupLimit> limits) throws IOException;

    /**
     * A created cgroup and what keeps it alive until the job joins it: a systemd scope needs a
     * process from its first moment, so it is made around a placeholder, killed once the init is
     * in the scope.
     */
    record Placement(JobCgroup cgroup, Runnable release) implements AutoCloseable {
        /** Nothing to release (a class, not a lambda, on the start path). */
        static final Runnable NOTHING = new Runnable() {
            @Override
            public void run() {
            }
        };

        @Override
        public void close() {
            release.run();
        }
    }

    /** The driver this host calls for, as bpm chooses it. */
    static CgroupDriver detect() throws IOException {
        return of(Cgroups.detect());
    }

    /** The driver bpm chooses for a host with this cgroup layout (read already: a start reads it once). */
    static CgroupDriver of(Cgroups layout) {
        if (layout.version() == Cgroups.Version.V2
                && Files.isDirectory(HostFacts.SYSTEMD_RUNNING, LinkOption.NOFOLLOW_LINKS)) {
            return new SystemdScope(layout);
        }
        return new Cgroupfs(layout, null);
    }

    /**
     * Directories made by bpm itself: {@code <parent>/<container id>} in each hierarchy it needs,
     * the parent being bpm's own cgroup ({@code parent} null, bpm's naming) or a given cgroup path
     * such as {@code "/"} (tests that must not touch the cgroup they run in).
     */
    record Cgroupfs(Cgroups layout, String parent) implements CgroupDriver {

        @Override
        public String describe() {
            return switch (layout.version()) {
                case V1 -> "cgroupfs v1";
                case HYBRID -> "cgroupfs hybrid (v1 hierarchies)";
                case V2 -> "cgroupfs v2";
            } + ", below " + (parent == null ? "bpm's own cgroup" : parent);
        }

        @Override
        public JobCgroup locate(String containerId) throws IOException {
            return parent == null ? layout.job(containerId) : layout.job(parent, containerId);
        }

        @Override
        public Placement create(String containerId, String description, List<CgroupLimit> limits) throws IOException {
            JobCgroup cgroup = locate(containerId);
            cgroup.create();
            try {
                cgroup.apply(limits);
            } catch (IOException | RuntimeException e) {
                try {
                    cgroup.remove(java.time.Duration.ofSeconds(5));
                } catch (IOException | RuntimeException again) {
                    e.addSuppressed(again);
                }
                throw e;
            }
            return new Placement(cgroup, Placement.NOTHING);
        }
    }
}
