package io.bpm.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.source.SourceFile;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Verifier;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The promise between lint and compile: every config that lints without errors compiles to
 * plans the verifier accepts, and whose text reads back unchanged. Checked on random configs
 * with hostile names, arguments, environment and volumes (fixed seed: reproducible).
 */
public class LintCleanCompilesTest {
    private static final String[] PIECES = {"web", "a b", "x\"y", "#c", "é", "日本", "\\", "-", "_", ".", "..", "a.b",
            "line\nbreak", "tab\there", "$ROOT", "%s", "*", "?", "[x]", "~", "", " ", "0", "1e3", "true", "null", ":"};
    private static final String[] CAPS = {"NET_BIND_SERVICE", "SYS_TIME", "CHOWN", "net_admin", "CAP_KILL", "BOGUS"};

    private static String pick(Random r) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) b.append(PIECES[r.nextInt(PIECES.length)]);
        return b.toString();
    }

    /** A YAML double-quoted scalar, so any generated text is valid YAML. */
    private static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** A random config with hostile values (also a base of the fuzz harness, io.bpm.compiler.fuzz). */
    public static String randomConfig(Random r) {
        StringBuilder y = new StringBuilder("processes:\n");
        int processes = 1 + r.nextInt(3);
        for (int p = 0; p < processes; p++) {
            y.append("- name: ").append(q(r.nextInt(3) == 0 ? pick(r) : "p" + p)).append('\n');
            y.append("  executable: ").append(q(r.nextInt(5) == 0 ? pick(r) : "/var/vcap/packages/x/bin/" + pick(r).replace("/", ""))).append('\n');
            y.append("  args: [");
            for (int i = 0, n = r.nextInt(4); i < n; i++) y.append(i == 0 ? "" : ", ").append(q(pick(r)));
            y.append("]\n  env:\n");
            for (int i = 0, n = r.nextInt(3); i < n; i++) y.append("    ").append(q(r.nextBoolean() ? "K" + i : pick(r))).append(": ").append(q(pick(r))).append('\n');
            if (r.nextBoolean()) y.append("  workdir: ").append(q("/var/vcap/" + pick(r))).append('\n');
            if (r.nextBoolean()) y.append("  capabilities: [").append(CAPS[r.nextInt(CAPS.length)]).append("]\n");
            if (r.nextBoolean()) y.append("  limits: {memory: ").append(r.nextInt(4)).append("G, open_files: ").append(r.nextInt(5000)).append(", processes: ").append(r.nextInt(300) - 5).append("}\n");
            if (r.nextBoolean()) y.append("  ephemeral_disk: true\n");
            if (r.nextBoolean()) y.append("  persistent_disk: true\n");
            if (r.nextInt(4) == 0) y.append("  shutdown_signal: ").append(r.nextBoolean() ? "INT" : "TERM").append('\n');
            if (r.nextInt(4) == 0) y.append("  hooks: {pre_start: ").append(q("/var/vcap/jobs/job/bin/" + pick(r))).append("}\n");
            y.append("  additional_volumes:\n");
            for (int i = 0, n = r.nextInt(3); i < n; i++) {
                y.append("  - path: ").append(q("/var/vcap/data/" + (r.nextBoolean() ? "job/" : "") + pick(r))).append('\n');
                if (r.nextBoolean()) y.append("    writable: true\n");
                if (r.nextBoolean()) y.append("    shared: true\n");
                if (r.nextBoolean()) y.append("    mount_only: true\n");
            }
            if (r.nextInt(3) == 0) {
                y.append("  unsafe:\n    privileged: ").append(r.nextBoolean()).append("\n    host_pid_namespace: ").append(r.nextBoolean())
                        .append("\n    unrestricted_volumes:\n    - path: ").append(q("/" + pick(r))).append('\n');
            }
        }
        return y.toString();
    }

    @Test
    void everyLintCleanConfigCompilesToVerifiedPlans() {
        Random r = new Random(20261127);
        int clean = 0;
        for (int i = 0; i < 3000; i++) {
            String yaml = randomConfig(r);
            Frontend.Result checked = Frontend.check(SourceFile.ofText("bpm.yml", yaml), new Frontend.Options("job", false));
            if (checked.hasErrors()) continue;
            clean++;
            try {
                for (Plan plan : Lowering.lowerAll(checked, LowerOptions.of("job"))) {
                    Verifier.require(plan);
                    assertEquals(plan, PlanText.read(PlanText.write(plan)));
                }
            } catch (Exception | AssertionError e) {
                fail("lint-clean config does not compile: " + e.getMessage() + "\n" + yaml, e);
            }
        }
        if (clean < 300) fail("only " + clean + " of 3000 random configs were lint-clean; the generator needs tuning");
    }
}
