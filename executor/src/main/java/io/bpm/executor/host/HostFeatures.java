package io.bpm.executor.host;

import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Step;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code bpm features}: what this host offers the executor, each with a word on what follows
 * from it. The cgroup layout and swap accounting come from {@link Cgroups} and {@link HostFacts}
 * (the detection start uses, not a second one); the kernel's own features are asked with
 * harmless calls: {@code clone3(NULL, 0)} answers EINVAL where the call exists and ENOSYS where
 * it does not, {@code pidfd_open} of this process gives an fd that is closed at once, and
 * {@code seccomp(SECCOMP_GET_ACTION_AVAIL)} tells whether filters can be installed.
 */
public final class HostFeatures {

    private HostFeatures() {
    }

    /**
     * One feature.
     *
     * @param name      a stable key ({@code cgroup}, {@code memory}, ...)
     * @param available whether bpm can use it here
     * @param detail    what it is here, and what follows when it is missing
     */
    public record Feature(String name, boolean available, String detail) {
    }

    private static final long SECCOMP_GET_ACTION_AVAIL = 2;

    /**
     * The features of this host.
     *
     * @param facts     the root and, when {@code vcapProblem} is null, the vcap user's ids
     * @param vcapProblem why the vcap user could not be found, or null
     * @param init      the init's path in the job's view, and where it was chosen ({@code BPM_INIT}, default)
     */
    public static List<Feature> detect(HostFacts facts, String vcapProblem, String init, String initSource) {
        List<Feature> out = new ArrayList<>();
        out.add(kernel());
        out.addAll(cgroups());
        out.add(swap());
        out.add(seccomp());
        out.add(syscall("clone3", clone3(), "bpm start, run and shell launch through it (Linux 5.3 or later)"));
        out.add(syscall("pidfd_open", pidfdOpen(), "stop, run and shell watch and signal the job through a pidfd (Linux 5.3 or later)"));
        out.add(vcapProblem == null ? new Feature("vcap", true, "uid " + facts.uid() + " gid " + facts.gid())
                : new Feature("vcap", false, vcapProblem));
        out.add(init(facts, init, initSource));
        out.add(new Feature("root", Files.isDirectory(Path.of(facts.root())), facts.root()
                + (Files.isDirectory(Path.of(facts.root())) ? "" : " does not exist") + " (" + HostFacts.ROOT_VARIABLE + ")"));
        return out;
    }

    private static Feature kernel() {
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/osrelease"))) {
            return new Feature("kernel", true, new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            return new Feature("kernel", false, "cannot read /proc/sys/kernel/osrelease: " + e.getMessage());
        }
    }

    private static List<Feature> cgroups() {
        Cgroups layout;
        try {
            layout = Cgroups.detect();
        } catch (IOException e) {
            return List.of(new Feature("cgroup", false, e.getMessage()),
                    new Feature("memory", false, "no cgroups: memory limits cannot be applied"),
                    new Feature("pids", false, "no cgroups: the processes limit cannot be applied"));
        }
        String version = switch (layout.version()) {
            case V1 -> "v1 (cgroup v1 hierarchies only)";
            case HYBRID -> "hybrid (cgroup v1 hierarchies, cgroup2 at " + layout.unifiedMount() + ")";
            case V2 -> "v2 (cgroup2 at " + layout.unifiedMount() + ")";
        };
        return List.of(new Feature("cgroup", true, version), driver(),
                controller("memory", layout.memory(), "memory limits"),
                controller("pids", layout.pids(), "the processes limit"));
    }

    /** Who makes the jobs' cgroups here: cgroupfs, or systemd (transient scopes) on a v2 host run by systemd. */
    private static Feature driver() {
        try {
            CgroupDriver driver = CgroupDriver.detect();
            if (driver instanceof SystemdScope) {
                try (io.bpm.executor.systemd.Systemd bus = io.bpm.executor.systemd.Systemd.connect()) {
                    return new Feature("cgroup-driver", true, driver.describe() + " (the system bus answers)");
                } catch (IOException e) {
                    return new Feature("cgroup-driver", false, driver.describe() + "; but the system bus does not answer ("
                            + e.getMessage() + "), so bpm start cannot create scopes");
                }
            }
            return new Feature("cgroup-driver", true, driver.describe());
        } catch (IOException e) {
            return new Feature("cgroup-driver", false, e.getMessage());
        }
    }

    private static Feature controller(String name, Cgroups.Hierarchy h, String what) {
        if (h == null) return new Feature(name, false, "no " + name + " controller: " + what + " cannot be applied");
        return new Feature(name, true, (h.unified() ? "cgroup2" : "cgroup v1") + " at " + h.mountPoint() + ", bpm's own cgroup "
                + h.ownDir());
    }

    private static Feature swap() {
        return Cgroups.detectSwapAccounting()
                ? new Feature("swap-accounting", true, "memory limits include swap (memory+swap)")
                : new Feature("swap-accounting", false, "memory limits do not include swap (cgroup v1: boot with swapaccount=1; "
                + "cgroup v2: the job's parent cgroup has no memory.swap.max)");
    }

    private static Feature seccomp() {
        if (!HostFacts.detectSeccompSupported()) {
            return new Feature("seccomp", false, "a Rosetta binfmt_misc handler is registered: jobs run without seccomp, as with bpm 1.4");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment action = a.allocate(JAVA_INT);
            Struct.putInt(action, 0, Linux.SECCOMP_RET_ERRNO);
            long r = Sys.raw(Nr.SECCOMP, SECCOMP_GET_ACTION_AVAIL, 0, action.address());
            if (r == 0) return new Feature("seccomp", true, "filters (SECCOMP_RET_ERRNO available)");
            return new Feature("seccomp", false, "seccomp(SECCOMP_GET_ACTION_AVAIL): " + Errno.describe((int) -r)
                    + ": bpm start refuses plans with a seccomp step");
        }
    }

    /** clone3(NULL, 0): EINVAL (too small) where clone3 exists, ENOSYS where it does not. Creates nothing. */
    private static long clone3() {
        return Sys.raw(Nr.CLONE3, 0, 0);
    }

    private static long pidfdOpen() {
        long fd = Sys.raw(Nr.PIDFD_OPEN, ProcessHandle.current().pid(), 0);
        if (fd >= 0) {
            Sys.raw(Nr.CLOSE, fd);
            return 0;
        }
        return fd;
    }

    private static Feature syscall(String name, long result, String why) {
        if (result == -Errno.ENOSYS) return new Feature(name, false, "not in this kernel (ENOSYS): " + why);
        return new Feature(name, true, why);
    }

    private static Feature init(HostFacts facts, String init, String source) {
        String onHost = hostPathOf(facts, init);
        boolean ok = Files.isRegularFile(Path.of(onHost)) && Files.isExecutable(Path.of(onHost));
        String where = onHost.equals(init) ? "" : " (on the host " + onHost + ")";
        return new Feature("init", ok, init + where + ", " + source
                + (ok ? "" : ": " + (Files.exists(Path.of(onHost)) ? "not an executable file" : "missing") + ", so bpm start cannot start jobs"));
    }

    /**
     * Where a path of the job's view is on the host: below /var/vcap, below the BOSH root;
     * elsewhere (/usr, /bin: bound from the host), itself.
     */
    static String hostPathOf(HostFacts facts, String jobPath) {
        Optional<String> rest = jobPath.equals(HostFacts.DEFAULT_ROOT) ? Optional.of("")
                : jobPath.startsWith(HostFacts.DEFAULT_ROOT + "/") ? Optional.of(jobPath.substring(HostFacts.DEFAULT_ROOT.length()))
                : Optional.empty();
        return rest.map(r -> facts.bind(Step.ROOT + r)).orElse(jobPath);
    }
}
