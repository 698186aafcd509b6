package io.bpm.compiler.cli;

import io.bpm.compiler.plan.LowerOptions;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.launch.LaunchFailure;
import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.lifecycle.PlanSupplier;
import io.bpm.executor.lifecycle.Starter;
import io.bpm.executor.plan.VerifiedPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bpm start JOB [-p PROC]}: start one process of a job in its sandbox, unless it is
 * running already: the arguments, then the executor's {@link Starter} with the compiler as its
 * {@link PlanSupplier} (asked only when the plan cache misses). {@code --dry-run} prints the
 * launch of a freshly compiled plan.
 */
@Command(name = "start", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Start PROCESS of JOB (default: the process named like the job) from $BPM_BOSH_ROOT/jobs/JOB/config/bpm.yml "
                + "($BPM_BOSH_ROOT defaults to /var/vcap). A process that is already running is left alone. "
                + "The compiled plan is cached in $BPM_BOSH_ROOT/data/bpm/plans/CONTAINER-ID. "
                + "Returns 0 once the job's init runs and the job's executable exists and is executable in the job's view.",
                "",
                "The init (PID 1 of the job) is " + LowerOptions.DEFAULT_INIT + " unless the environment variable BPM_INIT "
                + "or the expert option --init names another absolute path in the job's view (e.g. /usr/bin/tini)."},
        footer = {"", "Exit status: 0 running, 1 it could not be started (the reason on the last line of standard error), "
                + "2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class StartCommand implements Callable<Integer> {

    @Mixin
    JobArguments job = new JobArguments();

    @Mixin
    LaunchOptions launch = new LaunchOptions();

    @Override
    public Integer call() {
        PrintStream err = System.err;
        return job.run("start", err, proc -> {
            JobProcess jp = JobProcess.of(job.job, proc, true);
            if (launch.dryRun) return dryRun(jp, launch.init(), CompiledPlans.START, null, System.out, err);
            Starter.start(jp, CompiledPlans.START, launch.init(), err, MonitCommands.startFault);
            return 0;
        });
    }

    /** The dry run of start and run: prints the launch of a freshly compiled plan, writes nothing. */
    static int dryRun(JobProcess jp, String init, PlanSupplier compiler, LaunchPlan.Output output, PrintStream out, PrintStream err)
            throws JobProcess.Failed, IOException {
        Optional<StateStore.State> state = jp.store().readState();
        if (state.isPresent() && StateStore.isOurs(state.get())) {
            out.println("# " + jp.who() + " is running (pid " + state.get().process().pid() + "): a start would leave it alone");
        }
        VerifiedPlan plan = jp.plan(compiler, init, false, "start", err);
        LaunchPlan.Options options = LaunchPlan.Options.defaults(JobProcess.SECCOMP).withOutput(output);
        try {
            for (String line : LaunchPlan.describe(plan, jp.facts, options)) {
                out.println(line);
            }
        } catch (LaunchFailure e) {
            throw new JobProcess.Failed(e.getMessage());
        }
        return 0;
    }
}
