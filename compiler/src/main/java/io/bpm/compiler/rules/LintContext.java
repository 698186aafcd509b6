package io.bpm.compiler.rules;

import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.parse.Locations;

/**
 * What every rule needs: the job (null when unknown), where things are, and where to report.
 * Paths in bpm.yml are the job's view, so they are checked against the internal BOSH root
 * {@code /var/vcap}, whatever BPM_BOSH_ROOT a test host uses.
 */
public record LintContext(String job, Locations locations, Findings findings) {
    public static final String ROOT = "/var/vcap";

    /** Reports at the value of {@code pointer} (or its nearest existing parent). */
    public void at(Rule rule, String pointer, String message, String hint) {
        findings.report(rule, locations.valueOf(pointer), pointer, message, hint);
    }

    public void at(Rule rule, String pointer, String message, String hint, String fix) {
        findings.report(rule, locations.valueOf(pointer), pointer, message, hint, fix);
    }

    /** Reports at the value of {@code pointer} as an error even with --compat: bpm 1.4 fails every start of it too. */
    public void atRefused(Rule rule, String pointer, String message, String hint) {
        findings.reportRefused(rule, locations.valueOf(pointer), pointer, message, hint);
    }

    /** Reports at the key of {@code pointer}, for findings about a key rather than its value. */
    public void atKey(Rule rule, String pointer, String message, String hint) {
        findings.report(rule, locations.keyOf(pointer), pointer, message, hint);
    }

    public boolean jobKnown() {
        return job != null && !job.isEmpty();
    }
}
