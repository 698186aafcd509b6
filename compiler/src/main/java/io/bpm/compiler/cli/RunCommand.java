package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.plan.VerifiedPlan;
import io.bpm.compiler.RunArguments;
import io.bpm.compiler.plan.LowerOptions;
import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.host.EventLog;
import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.launch.HostHook;
import io.bpm.executor.launch.LaunchFailure;
import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.lifecycle.Foreground;
import io.bpm.executor.plan.Step;
import io.bpm.executor.sys.ExitStatus;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;

/**
 * {@code bpm run JOB [-p PROC] [-v PATH[:OPTS]]... [-e K=V]...}: an errand in the job's sandbox,
 * in the foreground (bpm-behaviour.md §6.5). The lifecycle lock is held for the whole run. Its
 * output goes to the log files and to this terminal; TERM, INT and HUP are forwarded; the exit
 * status is the process's (128+N for a signal death). Unlike today's bpm, a setup failure exits
 * 1, never 0, and a process already running under bpm start is an error, not a silent success.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Run PROCESS of JOB (default: the process named like the job) in the foreground, in the same sandbox "
                + "bpm start gives it, and wait for it to exit. Its standard output and error are written to its log files "
                + "and to this terminal; SIGTERM, SIGINT and SIGHUP are forwarded to it. No pid file is written.",
                "",
                "The init is " + LowerOptions.DEFAULT_INIT + " unless BPM_INIT or --init names another."},
        footer = {"", "Exit status: the process's exit status (128+N when signal N killed it); 1 when it could not be run "
                + "(the reason on the last line of standard error, also when it is already running under bpm start); "
                + "2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class RunCommand implements Callable<Integer> {

    @Mixin
    JobArguments job = new JobArguments();

    @Option(names = {"-v", "--volume"}, paramLabel = "PATH[:OPTIONS]",
            description = "An additional volume, as in additional_volumes; OPTIONS is a comma-separated list of writable, "
                    + "allow_executions, mount_only, shared. Repeatable.")
    List<String> volumes = new ArrayList<>();

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE",
            description = "An environment variable; overrides bpm.yml's and earlier -e. Repeatable.")
    List<String> env = new ArrayList<>();

    @Mixin
    LaunchOptions launch = new LaunchOptions();

    @Override
    public Integer call() {
        PrintStream err = System.err;
        return job.run("run", err, proc -> {
            RunArguments arguments;
            try {
                arguments = RunArguments.parse(volumes, env);
            } catch (RunArguments.Invalid e) {
                throw new JobProcess.Failed(e.getMessage());
            }
            JobProcess jp = JobProcess.of(job.job, proc, true);
            return launch.dryRun ? StartCommand.dryRun(jp, launch.init(), new CompiledPlans(arguments), new LaunchPlan.Output(-1, -1),
                    System.out, err)
                    : run(jp, arguments, err);
        });
    }

    private int run(JobProcess jp, RunArguments arguments, PrintStream err) throws IOException, JobProcess.Failed {
        try (EventLog log = jp.events("run", true, err)) {
            log.info("starting");
            boolean logged = false;   // every failure ends in bpm.log with its cause, once
            try (LifecycleLock lock = jp.lock(log)) {
                StateStore store = jp.store();
                Optional<StateStore.State> state = jp.readState(store, "run", err);
                if (state.isPresent()) {
                    if (StateStore.isOurs(state.get())) {
                        log.error("process-already-running", "pid " + state.get().process().pid());
                        throw new JobProcess.Failed(jp.who() + " is already running (pid " + state.get().process().pid()
                                + "); stop it with bpm stop before running it in the foreground");
                    }
                    log.info("removing-stopped-process");
                    jp.cleanStale(store, state.get(), log);
                }
                jp.sweepUnrecorded(log, "run", err);
                try {
                    int status = runProcess(jp, store, arguments, log, err);
                    log.info("complete");
                    return status;
                } catch (JobProcess.Failed | IOException | RuntimeException e) {
                    log.error("run-process.failed", e instanceof JobProcess.Failed ? e.getMessage() : Main.rootCause(e));
                    logged = true;
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                if (!logged) log.error("run-process.failed", Main.rootCause(e));
                throw e;
            }
        }
    }

    private int runProcess(JobProcess jp, StateStore store, RunArguments arguments, EventLog log, PrintStream err)
            throws IOException, JobProcess.Failed {
        // run's arguments change from run to run: only a plan without them is cached
        VerifiedPlan plan = jp.plan(new CompiledPlans(arguments), launch.init(), arguments.isEmpty(), "run", err);
        Foreground.Pipe out = Foreground.Pipe.open();
        Foreground.Pipe errPipe = Foreground.Pipe.open();
        LaunchPlan.Started started;
        try {
            started = LaunchPlan.start(plan, jp.facts, LaunchPlan.Options.defaults(JobProcess.SECCOMP)
                    .withPreStart(HostHook.INSTANCE).withOutput(new LaunchPlan.Output(out.write(), errPipe.write()))
                    .withCgroups(jp.cgroupLayout()));
        } catch (LaunchFailure e) {
            closeAll(out, errPipe);
            throw new JobProcess.Failed(e.getMessage().replaceFirst("^cannot start ", "failed to run "));
        } finally {
            out.closeWriteEnd();
            errPipe.closeWriteEnd();
        }
        BoundPlan bound = started.plan();
        for (String skipped : started.skipped()) {
            if (skipped.contains(io.bpm.executor.launch.TapeBuilder.PRIVILEGED_MISSING)) err.println("bpm run: warning: " + skipped);
        }
        JobCgroup cgroup = started.cgroup();
        try {
            // recorded (no pid file) so that a run killed with SIGKILL is cleaned by the next start, run or stop
            ProcessIdentity.of(started.pid()).ifPresent(id -> {
                try {
                    store.save(plan.text(), StateStore.State.of(id, cgroup));
                } catch (IOException e) {
                    err.println("bpm run: warning: cannot record the run's state: " + e.getMessage());
                }
            });
            log.info("run-process.running-container", "cgroup", cgroup.describe());
            int stdoutLog = -1;
            int stderrLog;
            try {
                stdoutLog = LaunchPlan.openLog(bound.log(Step.LogStream.STDOUT));
                stderrLog = LaunchPlan.openLog(bound.log(Step.LogStream.STDERR));
            } catch (IOException | RuntimeException e) {
                if (stdoutLog >= 0) Sys.raw(Nr.CLOSE, stdoutLog);
                closeAll(out, errPipe);
                throw e;
            }
            ExitStatus status = Foreground.run(started.pidfd(), out, errPipe, stdoutLog, stderrLog,
                    new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err), err);
            if (status.shellStatus() != 0) {
                log.error("run-process.exited", status.toString());
                err.println("bpm run: " + jp.who() + " exited with status " + status.shellStatus()
                        + (status.exited() ? "" : " (the init was " + status + ")"));
            }
            return status.shellStatus();
        } finally {
            Sys.raw(Nr.CLOSE, started.pidfd());
            try {
                JobProcess.reportOom(cgroup, log);
                cgroup.kill(JobProcess.CGROUP_TIMEOUT, JobCgroup.Killer.SIGKILL);
                cgroup.remove(JobProcess.CGROUP_TIMEOUT);
                store.remove();
            } catch (IOException | RuntimeException e) {
                err.println("bpm run: warning: could not clean up after the run: " + Main.rootCause(e));
            }
        }
    }

    private static void closeAll(Foreground.Pipe... pipes) {
        for (Foreground.Pipe p : pipes) {
            Sys.raw(Nr.CLOSE, p.read());
        }
    }
}
