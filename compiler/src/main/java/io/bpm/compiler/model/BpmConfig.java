package io.bpm.compiler.model;

import java.util.List;

/**
 * A decoded bpm.yml: what bpm would run, with each element's JSON pointer so findings and plan
 * lines can name the place it came from. Values that did not have the right type are absent
 * here (the schema already reported them).
 */
public record BpmConfig(List<Process> processes) {
    public BpmConfig {
        processes = List.copyOf(processes);
    }

    /** The first process with this name, as bpm picks it. */
    public java.util.Optional<Process> process(String name) {
        return processes.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
