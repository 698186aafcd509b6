package io.bpm.compiler.cli;

import io.bpm.compiler.plan.LowerOptions;
import picocli.CommandLine.Option;

/** The options of the commands that launch a process, {@code start} and {@code run} (a picocli mixin). */
final class LaunchOptions {

    @Option(names = "--dry-run", description = "Print what would be done (the plan bound to this host, the cgroup, the "
            + "descriptors and the launch as strace-like lines) and change nothing.")
    boolean dryRun;

    @Option(names = "--init", hidden = true, paramLabel = "PATH",
            description = "Expert: the init in the job's view (default: $BPM_INIT, else " + LowerOptions.DEFAULT_INIT + ").")
    String init;

    /** The init: --init, else $BPM_INIT, else bpm's. */
    String init() {
        return CompiledPlans.init(init);
    }
}
