package io.bpm.executor.launch;

import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Hook;
import io.bpm.executor.plan.Step.LogStream;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Runs a plan's pre_start program as bpm does (bpm-behaviour.md §5.4): on the host, as root,
 * with exactly the job's environment and no arguments, stdin from /dev/null, stdout and stderr
 * appended to the job's log files, and a non-zero exit failing the start. A path under
 * /var/vcap is the job's view of a BOSH path and is run from the host's BOSH root; a bare name
 * is looked up in bpm's own PATH. Not kernel work, so an ordinary child process.
 */
public final class HostHook implements LaunchPlan.PreStart {
    public static final HostHook INSTANCE = new HostHook();
    private static final String INTERNAL_ROOT = "/var/vcap";

    private HostHook() {
    }

    @Override
    public void run(BoundPlan plan, Hook hook) throws IOException {
        String program = hook.program();
        if (program.equals(INTERNAL_ROOT) || program.startsWith(INTERNAL_ROOT + "/")) {
            program = plan.facts().bind(Step.ROOT + program.substring(INTERNAL_ROOT.length()));
        }
        ProcessBuilder pb = new ProcessBuilder(List.of(program));
        Map<String, String> env = pb.environment();
        env.clear();
        for (Step s : plan.steps()) {
            if (s instanceof Env e) env.put(e.name(), e.value());
        }
        pb.redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(plan.log(LogStream.STDOUT))))
                .redirectError(ProcessBuilder.Redirect.appendTo(new File(plan.log(LogStream.STDERR))));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("prestart hook failed: cannot run " + program + ": " + e.getMessage(), e);
        }
        try {
            int status = p.waitFor();
            if (status != 0) throw new IOException("prestart hook failed: " + program + ": exit status " + status);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("prestart hook interrupted: " + program, e);
        }
    }
}
