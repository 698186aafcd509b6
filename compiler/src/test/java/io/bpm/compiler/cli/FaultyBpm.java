package io.bpm.compiler.cli;

import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.lifecycle.Stopper;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code FaultyBpm FAULT MARKER bpm-arguments...}: bpm with a fault injected into its start or
 * stop, for {@link FaultInjectionTest}. FAULT is a {@link LaunchPlan.Phase} name (start kills
 * itself there), {@code stop:}{@link Stopper.Phase} (stop kills itself there), {@code prep:N}
 * (start kills itself before host-preparation step N) or {@code tape:N} (the child pauses 2 s
 * before tape entry N, after MARKER is written).
 */
public final class FaultyBpm {
    public static void main(String[] args) {
        String fault = args[0];
        if (fault.startsWith("stop:")) {
            MonitCommands.stopFault = new Stopper.Fault(Stopper.Phase.valueOf(fault.substring(5)));
            System.exit(Main.run(Arrays.copyOfRange(args, 2, args.length)));
        }
        if (fault.startsWith("tape:")) {
            MonitCommands.startFault = new LaunchPlan.Fault(null, Integer.parseInt(fault.substring(5)), 2000, Path.of(args[1]), -1);
        } else if (fault.startsWith("prep:")) {
            MonitCommands.startFault = new LaunchPlan.Fault(null, -1, 0, null, Integer.parseInt(fault.substring(5)));
        } else {
            MonitCommands.startFault = new LaunchPlan.Fault(LaunchPlan.Phase.valueOf(fault), -1, 0, null, -1);
        }
        System.exit(Main.run(Arrays.copyOfRange(args, 2, args.length)));
    }
}
