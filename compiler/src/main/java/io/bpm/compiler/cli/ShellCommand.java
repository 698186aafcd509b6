package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.host.Binding;
import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.host.JobStatus;
import io.bpm.executor.launch.EnterJob;
import io.bpm.executor.launch.HostView;
import io.bpm.executor.launch.LaunchFailure;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.sys.ExitStatus;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code bpm shell JOB [-p PROC]}: {@code /bin/bash} inside a running process's sandbox, as bpm
 * 1.4 gets it from {@code runc exec --tty --env TERM=$TERM ID /bin/bash} (bpm-behaviour.md
 * §7.2): in the job's mount, PID, UTS and IPC namespaces and cgroup, as the job's user, with
 * its capabilities, no_new_privs, seccomp filter, limits, working directory and environment,
 * all from the plan its start saved ({@link EnterJob}). The shell reads and writes this
 * command's own standard input, output and error; bpm waits for it and exits with its status.
 */
@Command(name = "shell", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Run /bin/bash inside the running PROCESS of JOB (default: the process named like the job): in its "
                + "namespaces and cgroup, as its user, with its capabilities, seccomp filter, limits, working directory and "
                + "environment, and TERM passed through. The shell uses this terminal (or standard input and output)."},
        footer = {"", "Exit status: the shell's (128+N when signal N killed it); 1 when the process is not running "
                + "(\"Error: process is not running or could not be found\") or the shell could not be started; "
                + "2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class ShellCommand implements Callable<Integer>, OperatorCommand {

    /** The shell, in the job's view (bpm 1.4's). */
    static final String SHELL = "/bin/bash";

    @Mixin
    JobArguments job = new JobArguments();

    @Override
    public Integer call() {
        PrintStream err = System.err;
        return job.run(err, ERROR, "failed to start a shell in", proc -> {
            JobProcess jp = JobProcess.of(job.job, proc, true);
            JobStatus status = PidCommand.running(jp);
            String text = jp.store().readPlan().orElseThrow(() -> new JobProcess.Failed(
                    "failed to get job: " + jp.who() + " runs, but the plan its start saved in " + jp.store().directory() + " is gone"));
            BoundPlan plan;
            try {
                Plan p = PlanText.read(text);
                plan = Binding.bind(p, jp.facts);
            } catch (PlanFormatException | IllegalArgumentException e) {
                throw new JobProcess.Failed("failed to get job: the plan its start saved is damaged: " + e.getMessage());
            }
            return shell(jp, status, plan, err);
        });
    }

    private static int shell(JobProcess jp, JobStatus status, BoundPlan plan, PrintStream err) throws JobProcess.Failed {
        List<String> extra = new ArrayList<>();
        String term = System.getenv("TERM");
        if (term != null) extra.add("TERM=" + term);
        // Like system(3): a ^C typed at the terminal is the shell's (it gets it too when it shares
        // bpm's process group), not a reason for bpm to leave it behind. (SIGQUIT is the JVM's.)
        Signal intr = new Signal("INT");
        SignalHandler oldInt = Signal.handle(intr, SignalHandler.SIG_IGN);
        List<Signal> forwarded = List.of(new Signal("TERM"), new Signal("HUP"));
        List<SignalHandler> previous = new ArrayList<>();
        EnterJob.Entered shell = null;
        try {
            try {
                shell = EnterJob.start(plan, status.state().process(), status.state().cgroups(), List.of(SHELL), extra,
                        JobProcess.SECCOMP, HostView.real());
            } catch (EnterJob.NotRunning e) {
                throw new JobProcess.Failed(PidCommand.NOT_RUNNING);
            } catch (LaunchFailure e) {
                throw new JobProcess.Failed("failed to start a shell in " + jp.who() + ": " + e.getMessage());
            }
            int pidfd = shell.pidfd();
            for (Signal s : forwarded) {
                previous.add(Signal.handle(s, sig -> Sys.raw(Nr.PIDFD_SEND_SIGNAL, pidfd, sig.getNumber(), 0, 0)));
            }
            ExitStatus exit = Sys.waitPidfd(pidfd);
            return exit.shellStatus();
        } finally {
            for (int i = 0; i < previous.size(); i++) Signal.handle(forwarded.get(i), previous.get(i));
            Signal.handle(intr, oldInt);
            if (shell != null) Sys.raw(Nr.CLOSE, shell.pidfd());
        }
    }
}
