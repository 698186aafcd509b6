package io.bpm.compiler.cli;

/**
 * The operator's commands of bpm 1.4 (list, pid, logs, shell, trace), whose errors keep bpm
 * 1.4's form, {@code Error: MESSAGE}; usage errors included. The other commands say
 * {@code bpm COMMAND: MESSAGE}.
 */
interface OperatorCommand {
    /** What each error line of these commands starts with. */
    String ERROR = "Error: ";
}
