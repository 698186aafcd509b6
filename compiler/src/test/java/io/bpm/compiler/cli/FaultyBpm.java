package io.bpm.compiler.cli;

import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.lifecycle.Stopper;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code FaultyBpm FAULT MARKER bpm-arguments...}: bpm with a fault injected into its start or
 * stop, for {@link FaultInjectionTest}. FAULT is a {@link LaunchPlan.Phase} name (start kills
 * itself there), {@code stop:}{@link Stopper.Phase} (stop kills itself there) or {@code tape:N}
 * (the child pauses 2 s before tape entry N, after MARKER is written).
 */
public final class FaultyBpm {
    public static void main(String[] args) {
        String fault = args[0];
        if (fault.startsWith("stop:")) {
            StopCommand.fault = new Stopper.Fault(Stopper.Phase.valueOf(fault.substring(5)));
            System.exit(Main.run(Arrays.copyOfRange(args, 2, args.length)));
        }
        StartCommand.fault = fault.startsWith("tape:")
                ? new LaunchPlan.Fault(null, Integer.parseInt(fault.substring(5)), 2000, Path.of(args[1]))
                : new LaunchPlan.Fault(LaunchPlan.Phase.valueOf(fault), -1, 0, null);
        System.exit(Main.run(Arrays.copyOfRange(args, 2, args.length)));
    }
}
