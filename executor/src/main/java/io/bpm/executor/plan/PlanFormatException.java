package io.bpm.executor.plan;

/** A plan text that cannot be read: names the line (1-based) and what is wrong there. */
public final class PlanFormatException extends Exception {
    private final int line;

    public PlanFormatException(int line, String message) {
        super("plan line " + line + ": " + message);
        this.line = line;
    }

    public int getLine() {
        return line;
    }
}
