package io.bpm.compiler.cli;

import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.lifecycle.Stopper;
import io.bpm.executor.plan.ContainerId;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Step;
import io.bpm.executor.sys.Linux;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bpm stop JOB [-p PROC]}: stop one process from the plan and state its start saved
 * (bpm.yml is never read): the plan's stop signal to the init, SIGQUIT after quit-after, SIGKILL
 * to everything in the job's cgroup after kill-after; then the cgroup, the pid file and the state
 * are removed. Stopping a process that is not running succeeds.
 */
@Command(name = "stop", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Stop PROCESS of JOB (default: the process named like the job), as its last start recorded it: "
                + "the stop signal (TERM, or INT as configured), SIGQUIT after 15 s, SIGKILL to every process of the job "
                + "2 s later; then its cgroup, pid file and state are removed. bpm.yml is not read. "
                + "Stopping a process that is not running succeeds."},
        footer = {"", "Exit status: 0 stopped (or was not running), 1 it could not be stopped (the reason on the last line "
                + "of standard error), 2 usage problem."})
final class StopCommand implements Callable<Integer> {

    private static final Duration CGROUP_TIMEOUT = Duration.ofSeconds(5);

    @Parameters(index = "0", paramLabel = "JOB", description = "The job.")
    String job;

    @Option(names = {"-p", "--process"}, paramLabel = "PROC", description = "The process (default: the job's name).")
    String process;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        String proc = process != null ? process : job;
        try {
            String invalid = StartCommand.nameProblem(job, proc);
            if (invalid != null) {
                err.println("bpm stop: invalid job or process name: " + invalid);
                return 1;
            }
            stop(proc);
            return 0;
        } catch (IOException | RuntimeException | PlanFormatException e) {
            err.println("bpm stop: cannot stop " + job + "/" + proc + ": " + Main.rootCause(e));
            return 1;
        }
    }

    private void stop(String proc) throws IOException, PlanFormatException {
        HostFacts facts = HostFacts.of(HostFacts.rootFrom(System.getenv()), 0, 0); // only for paths: no user needed
        String cid = ContainerId.encode(job, proc);
        Path lockFile = Path.of(facts.bind(Step.ROOT + "/data/bpm/locks/" + ContainerId.lockName(job, proc)));
        try (LifecycleLock lock = LifecycleLock.acquire(lockFile)) {
            StateStore store = new StateStore(Path.of(facts.bind(Step.ROOT + "/sys/run/bpm-state/" + cid)));
            Optional<StateStore.State> state = store.readState();
            Optional<String> text = store.readPlan();
            if (state.isEmpty()) {
                store.remove(); // a plan without state means nothing
                return;
            }
            Plan plan = text.isPresent() ? PlanText.read(text.get()) : null;
            Step.Stop how = plan == null ? null : plan.steps(Step.Stop.class).stream().findFirst().orElse(null);
            int signal = how == null ? Linux.SIGTERM : Linux.signal(how.signal());
            Duration quitAfter = Duration.ofMillis(how == null ? 15_000 : how.quitAfterMillis());
            Duration killAfter = Duration.ofMillis(how == null ? 2_000 : how.killAfterMillis());
            JobCgroup cgroup = JobCgroup.at(state.get().cgroups());
            // Not ours any more (exited, pid reused, rebooted): nothing is signalled but what is left in the cgroup.
            Stopper.stop(state.get().process(), signal, quitAfter, killAfter, cgroup, CGROUP_TIMEOUT);
            cgroup.remove(CGROUP_TIMEOUT);
            if (plan != null) {
                StateStore.removePidFile(Path.of(facts.bind(plan.one(Step.PidFile.class).path())));
            }
            store.remove();
        }
    }
}
