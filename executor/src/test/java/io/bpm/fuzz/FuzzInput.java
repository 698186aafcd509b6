package io.bpm.fuzz;

/**
 * A generated fuzz input that can be saved to a file and replayed by hand: {@link FuzzBudget}
 * writes {@link #bytes()} of every falsifying input next to its seed (for example as a
 * {@code .bpm.yml} to feed to {@code bpm lint}, or a {@code .plan}).
 */
public interface FuzzInput {
    /** The exact input the property checked. */
    byte[] bytes();

    /** The file name suffix of a saved input ({@code .bpm.yml}, {@code .plan}). */
    String suffix();

    /** How the input was made (base file, mutations, generator), for the failure report. */
    String describe();
}
