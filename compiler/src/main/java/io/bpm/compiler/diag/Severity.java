package io.bpm.compiler.diag;

/** How bad a finding is. Errors make {@code bpm lint} exit 1; warnings and infos do not. */
public enum Severity {
    ERROR("error"),
    WARNING("warning"),
    INFO("info");

    private final String word;

    Severity(String word) {
        this.word = word;
    }

    /** The lower-case word used in every output format. */
    public String word() {
        return word;
    }
}
