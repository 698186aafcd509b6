package io.bpm.executor.plan;

import java.util.List;

/**
 * A plan that breaks the invariants every plan must keep ({@link Verifier#require}). The
 * message names the first offending step and rule; {@link #violations()} has all of them.
 * Unchecked: for the compiler a violation is a bug in lowering, for the executor a plan that
 * must be refused before anything is applied.
 */
public final class InvalidPlanException extends RuntimeException {
    private final List<PlanViolation> violations;

    public InvalidPlanException(List<PlanViolation> violations) {
        super(message(violations, null));
        this.violations = List.copyOf(violations);
    }

    /** With the text line of each step, so the message names the line an operator can open. */
    public InvalidPlanException(List<PlanViolation> violations, java.util.function.IntUnaryOperator lineOfStep) {
        super(message(violations, lineOfStep));
        this.violations = List.copyOf(violations);
    }

    /** Every violation found, in plan order (header first). Never empty. */
    public List<PlanViolation> violations() {
        return violations;
    }

    /** The first violation: the one the message names. */
    public PlanViolation first() {
        return violations.getFirst();
    }

    private static String message(List<PlanViolation> violations, java.util.function.IntUnaryOperator lineOfStep) {
        if (violations.isEmpty()) throw new IllegalArgumentException("an invalid plan has at least one violation");
        PlanViolation v = violations.getFirst();
        int line = lineOfStep == null || v.stepIndex() < 0 ? 0 : lineOfStep.applyAsInt(v.stepIndex());
        String first = "invalid plan: " + (line > 0 ? "line " + line + ", " : "") + v;
        int more = violations.size() - 1;
        return more == 0 ? first : first + " (and " + more + " more)";
    }
}
