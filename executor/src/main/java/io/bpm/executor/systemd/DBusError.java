package io.bpm.executor.systemd;

import java.io.IOException;

/** An error reply: the D-Bus error name (e.g. {@code org.freedesktop.systemd1.NoSuchUnit}) and its message. */
public final class DBusError extends IOException {
    private final String name;

    DBusError(String name, String message) {
        super(name + ": " + message);
        this.name = name;
    }

    /** The error name of the reply, e.g. {@code org.freedesktop.DBus.Error.NameHasNoOwner}. */
    public String name() {
        return name;
    }
}
