package io.bpm.compiler.cli;

import io.bpm.compiler.plan.LowerOptions;
import io.bpm.compiler.plan.PlanSource;
import io.bpm.compiler.report.TextReport;
import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.launch.LaunchFailure;
import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.launch.SeccompFilter;
import io.bpm.executor.plan.ContainerId;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.InvalidPlanException;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanCache;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.plan.Step;
import io.bpm.executor.seccomp.Arch;
import io.bpm.executor.seccomp.Precompiled;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bpm start JOB [-p PROC]}: start one process of a job in its sandbox, unless it is
 * running already. The order is the one of io.bpm.executor.host: lifecycle lock, state (running:
 * done; stale: cleaned), plan (cached or compiled from {@code $ROOT/jobs/JOB/config/bpm.yml}),
 * launch, plan and state saved for stop, pid file.
 */
@Command(name = "start", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Start PROCESS of JOB (default: the process named like the job) from $BPM_BOSH_ROOT/jobs/JOB/config/bpm.yml "
                + "($BPM_BOSH_ROOT defaults to /var/vcap). A process that is already running is left alone. "
                + "The compiled plan is cached in $BPM_BOSH_ROOT/data/bpm/plans/CONTAINER-ID.",
                "",
                "The init (PID 1 of the job) is " + LowerOptions.DEFAULT_INIT + " unless the environment variable BPM_INIT "
                + "or the expert option --init names another absolute path in the job's view (e.g. /usr/bin/tini)."},
        footer = {"", "Exit status: 0 running, 1 it could not be started (the reason on the last line of standard error), "
                + "2 usage problem."})
final class StartCommand implements Callable<Integer> {

    /** The environment variable that chooses the init. */
    static final String INIT_VARIABLE = "BPM_INIT";

    @Parameters(index = "0", paramLabel = "JOB", description = "The job.")
    String job;

    @Option(names = {"-p", "--process"}, paramLabel = "PROC", description = "The process (default: the job's name).")
    String process;

    @Option(names = "--init", hidden = true, paramLabel = "PATH",
            description = "Expert: the init in the job's view (default: $BPM_INIT, else " + LowerOptions.DEFAULT_INIT + ").")
    String init;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        String proc = process != null ? process : job;
        try {
            return start(proc, err);
        } catch (Failed e) {
            err.println("bpm start: " + e.getMessage());
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("bpm start: cannot start " + job + "/" + proc + ": " + Main.rootCause(e));
            return 1;
        }
    }

    private static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    private int start(String proc, PrintStream err) throws IOException, Failed {
        String who = job + "/" + proc;
        String invalid = nameProblem(job, proc);
        if (invalid != null) throw new Failed("invalid job or process name: " + invalid);
        HostFacts facts = HostFacts.detect();
        String cid = ContainerId.encode(job, proc);
        Path lockFile = Path.of(facts.bind(Step.ROOT + "/data/bpm/locks/" + ContainerId.lockName(job, proc)));
        try (LifecycleLock lock = LifecycleLock.acquire(lockFile)) {
            StateStore store = new StateStore(Path.of(facts.bind(Step.ROOT + "/sys/run/bpm-state/" + cid)));
            Optional<StateStore.State> state = readState(store);
            if (state.isPresent()) {
                if (StateStore.isOurs(state.get())) {
                    return 0; // running: leave it alone
                }
                cleanStale(store, state.get(), facts);
            }

            Path yml = Path.of(facts.bind(Step.ROOT + "/jobs/" + job + "/config/bpm.yml"));
            if (!Files.isRegularFile(yml)) {
                throw new Failed("cannot start " + who + ": " + yml + ": no such file");
            }
            PlanCache cache = new PlanCache(Path.of(facts.bind(Step.ROOT + "/data/bpm/plans/" + cid)));
            String chosen = init != null ? init : Optional.ofNullable(System.getenv(INIT_VARIABLE)).filter(s -> !s.isEmpty())
                    .orElse(LowerOptions.DEFAULT_INIT);
            PlanSource.Provided provided;
            try {
                provided = PlanSource.forStart(yml, job, proc, chosen, cache);
            } catch (PlanSource.CompileFailure e) {
                if (!e.diagnostics().isEmpty()) new TextReport(false).print(e.diagnostics(), Map.of(), 1, err);
                throw new Failed("cannot start " + who + ": " + e.getMessage());
            } catch (IllegalArgumentException | InvalidPlanException e) {
                throw new Failed("cannot start " + who + ": cannot compile " + yml + ": " + e.getMessage());
            }
            Plan plan = provided.plan().plan();

            SeccompFilter seccomp = step -> Precompiled.program(SeccompProfile.byName(step.profile(), step.version())
                    .orElseThrow(() -> new IllegalArgumentException("unknown seccomp profile " + step.profile() + " " + step.version())),
                    Arch.X86_64).toLongArray();
            LaunchPlan.Started started;
            try {
                started = LaunchPlan.start(plan, facts, LaunchPlan.Options.defaults(seccomp).withPreStart(io.bpm.executor.launch.HostHook.INSTANCE));
            } catch (LaunchFailure e) {
                throw new Failed(e.getMessage());
            }
            Sys.raw(Nr.CLOSE, started.pidfd());
            BoundPlan bound = started.plan();
            try {
                if (!Path.of(bound.stateDir()).equals(store.directory())) {
                    throw new IOException("the plan's state-dir " + bound.stateDir() + " is not " + store.directory());
                }
                ProcessIdentity id = ProcessIdentity.of(started.pid()).orElseThrow(
                        () -> new IOException("the init (pid " + started.pid() + ") exited right after it started; see "
                                + bound.log(Step.LogStream.STDERR)));
                store.save(provided.text(), new StateStore.State(id, started.cgroup().paths()));
                StateStore.writePidFile(Path.of(bound.pidFile()), started.pid());
            } catch (IOException | RuntimeException e) {
                undo(started, store, bound);
                throw new Failed("cannot start " + who + ": " + Main.rootCause(e));
            }
            return 0;
        }
    }

    private static Optional<StateStore.State> readState(StateStore store) throws IOException {
        try {
            return store.readState();
        } catch (StateStore.StateFormatException e) {
            System.err.println("bpm start: ignoring a damaged state file: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The recorded init is gone: kill what is left in its cgroup, remove it, the pid file and the state. */
    private static void cleanStale(StateStore store, StateStore.State state, HostFacts facts) throws IOException {
        JobCgroup cg = JobCgroup.at(state.cgroups());
        cg.kill(Duration.ofSeconds(5), JobCgroup.Killer.SIGKILL);
        cg.remove(Duration.ofSeconds(5));
        Optional<String> text = store.readPlan();
        if (text.isPresent()) {
            try {
                Plan old = PlanText.read(text.get());
                StateStore.removePidFile(Path.of(facts.bind(old.one(Step.PidFile.class).path())));
            } catch (PlanFormatException | RuntimeException e) {
                // a damaged plan: the new start rewrites the pid file anyway
            }
        }
        store.remove();
    }

    private static void undo(LaunchPlan.Started started, StateStore store, BoundPlan bound) {
        try {
            started.cgroup().kill(Duration.ofSeconds(5), JobCgroup.Killer.SIGKILL);
            started.cgroup().remove(Duration.ofSeconds(5));
            StateStore.removePidFile(Path.of(bound.pidFile()));
            store.remove();
        } catch (IOException | RuntimeException e) {
            System.err.println("bpm start: could not undo the start: " + Main.rootCause(e));
        }
    }

    /** Why JOB or PROC cannot name a process (they become parts of host paths), or null. */
    static String nameProblem(String job, String proc) {
        String problem = io.bpm.executor.plan.Verifier.nameProblem("job", job);
        return problem != null ? problem : io.bpm.executor.plan.Verifier.nameProblem("process", proc);
    }
}
