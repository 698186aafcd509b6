package io.bpm.executor.host;

import java.io.IOException;
import java.util.Locale;

/**
 * What {@code list}, {@code pid}, {@code shell} and {@code trace} say about one process, from the
 * state its start left (bpm-behaviour.md §6.2). Where bpm asks runc, this asks the
 * {@link StateStore}: a recorded init that still runs (same pid, start time and boot) is
 * running; a recorded init that is gone (exited, killed, or the host rebooted) is failed, as bpm
 * shows a runc container that has stopped; nothing recorded is stopped.
 *
 * @param status  the status
 * @param state   what start recorded; null when nothing (or nothing readable) is recorded
 * @param problem why a recorded state could not be read (then the status is failed), or null
 */
public record JobStatus(Status status, StateStore.State state, String problem) {

    public enum Status {
        RUNNING, FAILED, STOPPED;

        /** bpm's word for it: {@code running}, {@code failed}, {@code stopped}. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Reads the state of one process (its state directory need not exist). */
    public static JobStatus read(StateStore store) throws IOException {
        StateStore.State state;
        try {
            state = store.readState().orElse(null);
        } catch (StateStore.StateFormatException e) {
            // recorded, but not readable as a start of ours: not running as far as bpm can tell
            return new JobStatus(Status.FAILED, null, e.getMessage());
        }
        if (state == null) {
            return new JobStatus(Status.STOPPED, null, null);
        }
        return new JobStatus(StateStore.isOurs(state) ? Status.RUNNING : Status.FAILED, state, null);
    }

    public boolean running() {
        return status == Status.RUNNING;
    }

    /** The init's host pid while running, else -1 (bpm shows {@code -}). */
    public long pid() {
        return running() ? state.process().pid() : -1;
    }
}
