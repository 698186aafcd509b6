package io.bpm.compiler.rules;

import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.model.BpmConfig;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.source.Span;

/** Runs every semantic rule over a decoded config. */
public final class Rules {
    private Rules() {
    }

    public static void check(BpmConfig config, LintContext cx) {
        if (!cx.jobKnown()) {
            cx.findings().report(Rule.JOB_UNKNOWN, Span.FILE, "",
                    "the job name is unknown, so volumes were not checked against the job's own and other jobs' directories",
                    "pass --job NAME, or lint the file as jobs/NAME/config/bpm.yml or NAME.bpm.yml");
        }
        ProcessRules.check(config.processes(), cx);
        for (Process p : config.processes()) {
            LimitRules.check(p, cx);
            VolumeRules.check(p, cx);
        }
    }
}
