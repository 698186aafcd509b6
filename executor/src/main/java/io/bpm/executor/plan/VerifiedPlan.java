package io.bpm.executor.plan;

/**
 * A plan and its exact text that passed {@link Verifier#require}: the only form in which the
 * launch takes a plan to apply. Made by {@link #of} (parse and verify) or by {@link PlanCache}
 * when the verdict stored with a cached entry still holds for its bytes (verified once, when it
 * was cached, instead of on every start).
 */
public final class VerifiedPlan {
    private final PlanText.Parsed parsed;
    private final String text;

    VerifiedPlan(PlanText.Parsed parsed, String text) {
        this.parsed = parsed;
        this.text = text;
    }

    /**
     * Parses and verifies plan text.
     *
     * @throws PlanFormatException  when the text is not a plan
     * @throws InvalidPlanException when the plan breaks an invariant (naming the plan line)
     */
    public static VerifiedPlan of(String text) throws PlanFormatException {
        PlanText.Parsed parsed = PlanText.parse(text);
        Verifier.require(parsed);
        return new VerifiedPlan(parsed, text);
    }

    /**
     * Verifies a plan made in this process.
     *
     * @throws InvalidPlanException when the plan breaks an invariant
     */
    public static VerifiedPlan of(Plan plan) {
        Verifier.require(plan);
        return new VerifiedPlan(new PlanText.Parsed(plan, java.util.List.of()), PlanText.write(plan));
    }

    public Plan plan() {
        return parsed.plan();
    }

    public PlanText.Parsed parsed() {
        return parsed;
    }

    /** The plan text, as start saves it for stop. */
    public String text() {
        return text;
    }
}
