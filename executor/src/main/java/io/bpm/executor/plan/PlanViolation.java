package io.bpm.executor.plan;

import java.util.Objects;

/**
 * One broken invariant of a plan, as found by {@link Verifier#check}.
 *
 * @param stepIndex the index of the offending step in {@link Plan#steps()}, or {@code -1} when
 *                  the problem is in the header or is about the plan as a whole (a step that
 *                  is missing)
 * @param step      the offending step, or {@code null} when {@code stepIndex} is {@code -1}
 * @param rule      the stable short id of the rule ({@code path-canonical}); see
 *                  {@link Verifier#RULES}
 * @param message   what is wrong, for a person
 */
public record PlanViolation(int stepIndex, Step step, String rule, String message) {

    public PlanViolation {
        Objects.requireNonNull(rule);
        Objects.requireNonNull(message);
        if (stepIndex < -1) throw new IllegalArgumentException("step index " + stepIndex);
        if ((stepIndex == -1) != (step == null)) throw new IllegalArgumentException("a step needs its index and vice versa");
    }

    /** Where the problem is: {@code step 12 (mount bind /bin /bin ...)}, {@code header} or {@code plan}. */
    public String where() {
        if (step != null) return "step " + stepIndex + " (" + Verifier.describe(step) + ")";
        return rule.startsWith("header-") ? "header" : "plan";
    }

    @Override
    public String toString() {
        return where() + ": " + message + " [" + rule + "]";
    }
}
