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
        super(message(violations));
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

    private static String message(List<PlanViolation> violations) {
        if (violations.isEmpty()) throw new IllegalArgumentException("an invalid plan has at least one violation");
        String first = "invalid plan: " + violations.getFirst();
        int more = violations.size() - 1;
        return more == 0 ? first : first + " (and " + more + " more)";
    }
}
