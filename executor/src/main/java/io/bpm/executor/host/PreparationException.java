package io.bpm.executor.host;

import io.bpm.executor.plan.Step;
import java.io.IOException;

/**
 * A host-preparation step failed. The message names the path and what was wrong with it, then
 * the step's provenance in brackets when it comes from bpm.yml; {@link #step()} is the bound step.
 * bpm reports these as {@code failed to create system files: <message>} (§5.1).
 */
public final class PreparationException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Step step;

    public PreparationException(Step step, String message, Throwable cause) {
        super(step.from().text().equals("default") ? message : message + " [" + step.from().text() + "]", cause);
        this.step = step;
    }

    /** The step that failed, with host paths. */
    public Step step() {
        return step;
    }
}
