package io.bpm.compiler.monit;

import java.util.List;

/**
 * A parsed monit control file: its checks in file order. Only what bpm lint needs is kept
 * (names, targets, start and stop programs, with their places); if-rules and the like are
 * parsed for their syntax and dropped.
 */
public record MonitFile(List<Check> checks) {
    public MonitFile {
        checks = List.copyOf(checks);
    }
}
